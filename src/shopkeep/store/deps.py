"""Typed dependencies of the store's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from shopkeep.db import MAX_ID, MIN_ID
from shopkeep.deps import DatabaseDep, SettingsDep
from shopkeep.payments.client import PaymentsClient

__all__ = ["DatabaseDep", "IdInPath", "PaymentsDep", "SettingsDep"]


async def get_payments(request: Request) -> PaymentsClient:
    payments: PaymentsClient = request.app.state.payments
    return payments


PaymentsDep = Annotated[PaymentsClient, Depends(get_payments)]

# A path id outside the database's range is refused (422); any other unknown id is simply not
# found (404).
IdInPath = Annotated[int, Path(ge=MIN_ID, le=MAX_ID)]
