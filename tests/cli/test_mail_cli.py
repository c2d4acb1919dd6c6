"""`shopkeep mail list` and `shopkeep mail show`: the emails a shop without SMTP writes to files."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopkeep.carts import service as carts
from shopkeep.cli import app
from shopkeep.config import Settings
from shopkeep.db import create_database
from shopkeep.mail.sender import MailSender
from shopkeep.orders import service as orders
from shopkeep.orders.details import CustomerDetails
from tests.mail.helpers import DETAILS


def paid_order_mailed(data_dir: Path) -> str:
    """A paid order placed in the data dir's shop, its emails sent to files; its id."""
    settings = Settings(data_dir=data_dir, shop_email="owner@shop.example")

    async def run() -> str:
        database = create_database(settings.resolved_database_url)
        try:
            cart_id = await database.write(carts.create_cart)
            await database.write(carts.add_item, cart_id, 3, 2)
            details = CustomerDetails.model_validate(DETAILS)
            placed = await database.write(orders.checkout, cart_id, timedelta(minutes=30), details)
            await database.write(orders.mark_paid, placed["order_id"], "pay_1")
            assert await MailSender(database, settings).worker.run_due() == 2
            order_id: str = placed["order_id"]
            return order_id
        finally:
            await database.close()

    return asyncio.run(run())


def shopkeep(*args: str) -> str:
    """The command, run in this process (the data dir comes from the environment)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_mail_list_and_show_print_what_the_shop_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPKEEP_DATA_DIR", str(tmp_path))
    shopkeep("db", "seed")
    assert "No emails yet" in shopkeep("mail", "list")
    order_id = paid_order_mailed(tmp_path)

    listed = shopkeep("mail", "list").splitlines()
    assert len(listed) == 2
    assert all(f"order {order_id[:8]}" in line and " done " in line for line in listed)
    customer = next(line for line in listed if "ada@example.com" in line)
    assert f"Your order {order_id[:8]} is confirmed" in customer
    message_id = customer.split()[0]

    files = sorted(path.name for path in (tmp_path / "mail").iterdir())
    assert f"{message_id}.eml" in files and len(files) == 2
    shown = shopkeep("mail", "show", message_id)
    assert "To: Ada Lovelace <ada@example.com>" in shown
    assert f"Message-ID: <{message_id}@localhost>" in shown
    assert "2 x Mechanical Keyboard at $89.99 = $179.98" in shown
    assert "----- text/html -----" in shown
    written = (tmp_path / "mail" / f"{message_id}.eml").read_bytes().decode()
    assert shopkeep("mail", "show", "--raw", message_id) == written.replace("\r\n", "\n")
