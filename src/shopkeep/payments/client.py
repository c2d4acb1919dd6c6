"""The store's side of taking a payment: create it at the provider, server to server.

The amount comes from the order in the store's database and goes straight to the provider;
the shopper's browser only ever receives the provider's `checkout_url`.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from shopkeep.errors import BadGateway, ServiceUnavailable
from shopkeep.money import as_json_number


class PaymentProviderUnavailable(ServiceUnavailable):
    def __init__(self) -> None:
        super().__init__(
            "The payment provider cannot be reached right now. Please try again in a moment."
        )


class PaymentProviderError(BadGateway):
    def __init__(self, status_code: int) -> None:
        super().__init__(
            f"The payment provider refused to create the payment (HTTP {status_code})."
        )


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
        self, *, order_id: str, amount_cents: int, currency: str, return_url: str
    ) -> HostedPayment:
        """A payment for the order that waits for a card on the provider's hosted page."""
        try:
            response = await self._http.post(
                "/payments/orders",
                json={
                    "order_id": order_id,
                    "amount": as_json_number(amount_cents),
                    "currency": currency,
                    "return_url": return_url,
                },
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
