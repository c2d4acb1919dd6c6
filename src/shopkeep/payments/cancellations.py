"""Cancelling open payments at the provider, after the commit that made them pointless."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import Table

from shopkeep.jobs import Work
from shopkeep.payments.client import PaymentsClient
from shopkeep.payments.models import PaymentCancellation

CANCELLATIONS = cast(Table, PaymentCancellation.__table__)


def cancellation_work(provider: PaymentsClient) -> Work:
    """Cancel one payment; one that was paid meanwhile is left alone (its callback comes, and
    reconciliation refunds it)."""

    async def work(row: Mapping[str, Any]) -> Mapping[str, Any] | None:
        await provider.cancel(row["payment_id"])
        return None

    return work
