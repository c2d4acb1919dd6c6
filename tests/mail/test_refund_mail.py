"""A charge the store refunds by itself (it could not pay its order) tells the customer why."""

from __future__ import annotations

import secrets
from datetime import timedelta

import httpx

from shopkeep.config import Settings
from shopkeep.db import Database, utcnow
from shopkeep.mail.sender import MailSender
from shopkeep.orders.service import expire_orders
from shopkeep.refunds.service import apply_refund
from tests.helpers import confirm
from tests.mail.conftest import mail_settings
from tests.mail.helpers import KEYBOARD, placed
from tests.smtp import SmtpServer


async def test_a_late_payment_refunded_in_full_mails_the_customer_once_with_the_reason(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    order = await placed(client, (KEYBOARD, 1))
    assert await database.write(expire_orders, utcnow() + timedelta(minutes=31)) == 1
    payment_id = f"pay_{secrets.token_hex(16)}"
    late = await confirm(
        client,
        {
            "payment_id": payment_id,
            "order_id": order["order_id"],
            "amount": order["total"],
            "status": "success",
        },
    )
    assert late.status_code == 200, late.text
    assert late.json()["refund"] == "requested"

    refund_id = f"re_{secrets.token_hex(8)}"
    for _ in range(2):  # the refund's callback and the job's own answer: applied once
        await database.write(apply_refund, refund_id, payment_id, order["order_id"], 8999)

    sender = MailSender(database, mail_settings(settings, smtp))
    assert await sender.worker.run_due() == 1
    [message] = smtp.inbox.to("ada@example.com")
    text = message.part("plain")
    assert "$89.99" in text
    assert "Your payment arrived after the order expired" in text
    assert await sender.worker.run_due() == 0
