"""The outbox in the back office's API (`/admin/mail`): each message's status, attempts, last
error and next try, its text, and "send it again now" for one that failed, through a real SMTP
server on loopback."""

from __future__ import annotations

import httpx

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.mail.sender import MailSender
from tests.admin.helpers import staff_member, staff_token
from tests.helpers import signed_up
from tests.mail.conftest import mail_settings
from tests.mail.helpers import KEYBOARD, pay, placed
from tests.smtp import SmtpServer


async def test_staff_see_a_failed_message_send_it_again_and_read_its_text_others_cannot(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    await staff_member(database)
    staff = await staff_token(client)
    order = await placed(client, (KEYBOARD, 1))
    await pay(client, order)
    _, seller = await signed_up(client, "sam")
    smtp.stop()
    # Given up at the first failure: its retry horizon has already passed.
    giving_up = MailSender(database, mail_settings(settings, smtp, mail_retry_hours=1e-9))
    assert await giving_up.worker.run_due() == 2

    listed = await client.get("/admin/mail", headers=staff)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["total"], body["page"], body["page_size"]) == (2, 1, 50)
    by_recipient = {m["recipient"]: m for m in body["messages"]}
    customer = by_recipient["customer"]
    assert customer["to"] == "ada@example.com" and customer["event"] == "paid"
    assert customer["order_id"] == order["order_id"]
    assert (customer["status"], customer["attempts"]) == ("failed", 1)
    assert customer["last_error"] and customer["next_attempt_at"] is None
    assert by_recipient["shop"]["to"] is None
    failed = await client.get("/admin/mail", params={"status": "failed"}, headers=staff)
    assert failed.json()["total"] == 2
    for status in ("waiting", "done"):
        none = await client.get("/admin/mail", params={"status": status}, headers=staff)
        assert none.json()["messages"] == [] and none.json()["total"] == 0
    paged = await client.get("/admin/mail", params={"page": 2, "page_size": 1}, headers=staff)
    assert [m["id"] for m in paged.json()["messages"]] == [body["messages"][1]["id"]]

    for stranger in ({}, seller, {"Authorization": "Bearer forged"}):
        assert (await client.get("/admin/mail", headers=stranger)).status_code == 401
        for refused in (
            await client.get(f"/admin/mail/{customer['id']}", headers=stranger),
            await client.post(f"/admin/mail/{customer['id']}/retry", headers=stranger),
        ):
            assert refused.status_code == 401
    unchanged = await client.get(f"/admin/mail/{customer['id']}", headers=staff)
    assert unchanged.json()["status"] == "failed"

    retried = await client.post(f"/admin/mail/{customer['id']}/retry", headers=staff)
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "waiting" and retried.json()["next_attempt_at"]
    smtp.start()
    sender = MailSender(database, mail_settings(settings, smtp))
    assert await sender.worker.run_due() == 1  # only the message sent again
    [received] = smtp.inbox.received
    assert received.recipients == ["ada@example.com"]

    shown = await client.get(f"/admin/mail/{customer['id']}", headers=staff)
    assert shown.status_code == 200, shown.text
    message = shown.json()
    assert message["status"] == "done" and message["attempts"] == 2
    assert message["last_error"] is None and message["delivery"] == "smtp"
    assert message["subject"] == f"Your order {order['order_id'][:8]} is confirmed"
    assert "1 x Mechanical Keyboard at $89.99 = $89.99" in message["text"]
    assert message["unsendable"] is None

    again = await client.post(f"/admin/mail/{customer['id']}/retry", headers=staff)
    assert again.status_code == 400
    assert again.json() == {"detail": "This message has already been sent."}
    for missing in (
        await client.get(f"/admin/mail/{'0' * 32}", headers=staff),
        await client.post(f"/admin/mail/{'0' * 32}/retry", headers=staff),
    ):
        assert missing.status_code == 404
        assert missing.json() == {"detail": "Message not found"}
    bad = await client.get("/admin/mail", params={"status": "sent"}, headers=staff)
    assert bad.status_code == 422
