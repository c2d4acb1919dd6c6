"""Emails for a shipment, a refund and a cancellation arrive once each at a real SMTP server."""

from __future__ import annotations

import httpx

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.mail.sender import MailSender
from tests.admin.test_order_actions import (  # the same fixtures and helpers
    KEYBOARD,
    MOUSE,
    UPS,
    apps,
    paid,
    refund,
    sandbox,
    staff,
    store,
)
from tests.inprocess import Apps, refunds_asked_for
from tests.mail.conftest import mail_settings
from tests.smtp import SmtpServer

__all__ = ["apps", "sandbox", "staff", "store"]


async def test_shipped_refunded_and_cancelled_emails_arrive_once(
    store: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    apps: Apps,
    staff: dict[str, str],
    database: Database,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    shipped_id, _ = await paid(store, sandbox, (KEYBOARD, 2))
    tracked = {**UPS, "tracking_url": "https://ups.example/track/1Z999AA10123456784"}
    ship = await store.post(f"/admin/orders/{shipped_id}/shipments", json=tracked, headers=staff)
    assert ship.status_code == 201, ship.text
    refunded = await refund(store, staff, shipped_id, "k1", amount=5, reason="Late delivery")
    assert refunded.status_code == 201, refunded.text
    cancelled_id, _ = await paid(store, sandbox, (MOUSE, 1))
    assert (
        await store.post(f"/admin/orders/{cancelled_id}/cancel", headers=staff)
    ).status_code == 200
    assert await refunds_asked_for(apps, database) == 2
    total = (await store.get(f"/orders/{cancelled_id}")).json()["total"]

    sender = MailSender(database, mail_settings(settings, smtp))
    await sender.worker.run_due()
    assert await sender.worker.run_due() == 0  # nothing twice
    to_customer = smtp.inbox.to("ada@example.com")
    subjects = sorted(str(r.message["Subject"]) for r in to_customer)
    short, other = shipped_id[:8], cancelled_id[:8]
    assert subjects == sorted(
        [
            f"Your order {short} is confirmed",
            f"Your order {short} has shipped with UPS",
            f"Refund of $5.00 for your order {short}",
            f"Your order {other} is confirmed",
            f"Your order {other} was cancelled",
            f"Refund of ${total:,.2f} for your order {other}",
        ]
    )
    [shipped] = [r for r in to_customer if "has shipped" in str(r.message["Subject"])]
    text = shipped.part("plain")
    assert "1Z999AA10123456784" in text and "https://ups.example/track/" in text
    assert "2 \N{MULTIPLICATION SIGN} " in text
    [late] = [r for r in to_customer if "Refund of $5.00" in str(r.message["Subject"])]
    assert "Reason: Late delivery" in late.part("plain")
    [cancel] = [r for r in to_customer if "was cancelled" in str(r.message["Subject"])]
    assert "is being refunded" in cancel.part("plain")
