"""The store's side of taking a payment: create it at the provider, server to server.

The amount comes from the order in the store's database and goes straight to the provider;
the shopper's browser only ever receives the provider's `checkout_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from shopkeep.errors import BadGateway, ServiceUnavailable
from shopkeep.money import as_json_number


class PaymentProviderUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "The payment provider cannot be reached right now. Please try again in a moment."
        )


class PaymentProviderError(BadGateway):
    def __init__(self, status_code: int, detail: str = "") -> None:
        super().__init__(
            f"The payment provider refused the request (HTTP {status_code}). {detail}".strip()
        )
        self.provider_status = status_code


@dataclass(frozen=True, slots=True)
class HostedPayment:
    payment_id: str
    checkout_url: str


class PaymentsClient:
    """Talks to the payment provider at `base_url` (`SHOPKEEP_PAYMENTS_URL`)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def start_hosted_payment(
        self,
        *,
        order_id: str,
        amount_cents: int,
        currency: str,
        return_url: str,
        idempotency_key: str | None = None,
    ) -> HostedPayment:
        """A payment for the order that waits for a card on the provider's hosted page."""
        headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
        try:
            response = await self._http.post(
                "/payments/orders",
                json={
                    "order_id": order_id,
                    "amount": as_json_number(amount_cents),
                    "currency": currency,
                    "return_url": return_url,
                },
                headers=headers,
            )
        except httpx.HTTPError as error:
            raise PaymentProviderUnavailable() from error
        if response.status_code != 201:
            raise PaymentProviderError(response.status_code)
        try:
            body = response.json()
            return HostedPayment(str(body["payment_id"]), str(body["checkout_url"]))
        except (ValueError, KeyError, TypeError) as error:
            raise PaymentProviderError(response.status_code) from error

    async def refund(
        self, *, payment_id: str, amount_cents: int, reason: str, idempotency_key: str
    ) -> str:
        """Refund part or all of a payment; the provider's refund id. The key makes a repeated
        call (after a lost answer) refund nothing more."""
        response = await self._call(
            f"/payments/{payment_id}/refunds",
            {"amount": as_json_number(amount_cents), "reason": reason},
            idempotency_key,
        )
        if response.status_code != 201:
            raise PaymentProviderError(response.status_code, _detail(response))
        try:
            return str(response.json()["refund_id"])
        except (ValueError, KeyError, TypeError) as error:
            raise PaymentProviderError(response.status_code) from error

    async def cancel(self, payment_id: str) -> bool:
        """Cancel an unpaid payment; False when it was already processed (paid or declined:
        nothing to cancel, and its result reaches the store by callback)."""
        response = await self._call(f"/payments/{payment_id}/cancel", None, None)
        if response.status_code == 409:
            return False
        if response.status_code != 200:
            raise PaymentProviderError(response.status_code, _detail(response))
        return True

    async def _call(
        self, path: str, body: dict[str, Any] | None, idempotency_key: str | None
    ) -> httpx.Response:
        headers = {} if idempotency_key is None else {"Idempotency-Key": idempotency_key}
        try:
            return await self._http.post(path, json=body, headers=headers)
        except httpx.HTTPError as error:
            raise PaymentProviderUnavailable() from error


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail if isinstance(detail, str) else response.text[:200]
