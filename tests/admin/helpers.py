"""Staff accounts and orders for the back office's tests."""

from __future__ import annotations

from typing import Any

import httpx

from shopkeep.db import Database
from shopkeep.staff import accounts
from tests.helpers import PASSWORD, checked_out, confirm


async def staff_member(database: Database, username: str = "olivia") -> dict[str, Any]:
    return await accounts.create_staff(database, username, PASSWORD)


async def staff_token(client: httpx.AsyncClient, username: str = "olivia") -> dict[str, str]:
    """Headers that authenticate as the staff member `username` (who must exist)."""
    response = await client.post(
        "/admin/auth/token", data={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def paid_order(
    client: httpx.AsyncClient, *lines: tuple[int, int], payment_id: str
) -> dict[str, Any]:
    """A checked-out order whose payment the provider confirmed."""
    order = await checked_out(client, *lines)
    payment = {
        "payment_id": payment_id,
        "order_id": order["order_id"],
        "amount": order["total"],
        "status": "success",
    }
    response = await confirm(client, payment)
    assert response.status_code == 200, response.text
    return order
