"""Order emails through the outbox to a real SMTP server on loopback (SPEC §12)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import select, update

from shopkeep import jobs
from shopkeep.config import Settings
from shopkeep.db import Database, Tx, create_database, utcnow
from shopkeep.mail import service as mail
from shopkeep.mail.sender import NO_SHOP_ADDRESS, MailSender
from shopkeep.orders import service as orders
from shopkeep.orders.models import OrderCustomer
from shopkeep.pricing import service as pricing
from tests.mail.conftest import mail_settings
from tests.mail.helpers import DETAILS, KEYBOARD, pay, placed, seller_product
from tests.smtp import SmtpServer


async def outbox(database: Database) -> list[dict[str, object]]:
    async def read(tx: Tx) -> list[dict[str, object]]:
        rows = await tx.execute(select(mail.OUTBOX).order_by(mail.OUTBOX.c.recipient))
        return [dict(row._mapping) for row in rows]

    return await database.read(read)


async def test_a_paid_order_mails_the_customer_the_shop_and_each_seller_their_own_lines(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    lamp = await seller_product(
        client, "alice", "alice@sellers.example", name="Brass Lamp", price=12.5
    )
    vase = await seller_product(client, "bob", None, name="Blue Vase", price=30)
    order = await placed(client, (KEYBOARD, 1), (lamp["id"], 2), (vase["id"], 1))
    assert order["total"] == 144.99
    await pay(client, order)

    sender = MailSender(database, mail_settings(settings, smtp))
    assert await sender.worker.run_due() == 3
    received = smtp.inbox.received
    assert sorted(address for r in received for address in r.recipients) == [
        "ada@example.com",
        "alice@sellers.example",
        "owner@shop.example",
    ]
    assert all(r.sender == "orders@shop.example" for r in received)
    order_id = order["order_id"]

    [customer] = smtp.inbox.to("ada@example.com")
    assert customer.message["To"] == "Ada Lovelace <ada@example.com>"
    assert customer.message["Subject"] == f"Your order {order_id[:8]} is confirmed"
    text = customer.part("plain")
    for expected in (
        "1 x Mechanical Keyboard at $89.99 = $89.99",
        "2 x Brass Lamp at $12.50 = $25.00",
        "1 x Blue Vase at $30.00 = $30.00",
        "Total: $144.99",
        "12 St James's Square",
        "SW1Y 4JH London",
        "United Kingdom",
        "Please leave it with the porter.",
        f"https://shop.example/orders/{order_id}",
    ):
        assert expected in text
    html = customer.part("html")
    assert f'href="https://shop.example/orders/{order_id}"' in html
    assert "St James&#39;s Square" in html

    [shop] = smtp.inbox.to("owner@shop.example")
    assert shop.message["Subject"] == f"New order {order_id[:8]} from Ada Lovelace: $144.99"
    assert "Ada Lovelace <ada@example.com>" in shop.part("plain")

    [seller] = smtp.inbox.to("alice@sellers.example")
    seller_text = seller.part("plain")
    assert "2 x Brass Lamp at $12.50 = $25.00" in seller_text
    assert "Your items' total: $25.00" in seller_text
    assert "Keyboard" not in seller_text and "Vase" not in seller_text
    assert "Keyboard" not in seller.part("html") and "$144.99" not in seller.part("html")
    assert "SW1Y 4JH London" in seller_text  # where to send it

    # Each message has its own stable Message-ID, on the sender's domain.
    ids = {r.message_id for r in received}
    assert len(ids) == 3 and all(i.endswith("@shop.example>") for i in ids)
    assert {row["state"] for row in await outbox(database)} == {jobs.DONE}
    assert await sender.worker.run_due() == 0


async def test_unpaid_failed_and_expired_orders_send_nothing(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    await seller_product(client, "alice", "alice@sellers.example")
    failed = await placed(client, (KEYBOARD, 1))
    await pay(client, failed, status="failed")
    await placed(client, (KEYBOARD, 2))  # awaiting payment
    late = await placed(client, (KEYBOARD, 1))
    await database.write(lambda tx: orders.expire_orders(tx, now=utcnow() + timedelta(hours=1)))
    assert (await client.get(f"/orders/{late['order_id']}")).json()["status"] == "expired"

    assert await outbox(database) == []
    assert await MailSender(database, mail_settings(settings, smtp)).worker.run_due() == 0
    assert smtp.inbox.received == []


async def test_an_order_without_details_mails_only_the_shop(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    order = await placed(client, (KEYBOARD, 1), details=None)
    await pay(client, order)
    assert await MailSender(database, mail_settings(settings, smtp)).worker.run_due() == 1
    [notice] = smtp.inbox.received
    assert notice.recipients == ["owner@shop.example"]
    assert "without contact details" in notice.part("plain")


async def test_without_a_shop_address_the_owners_copy_is_kept_unsent(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    order = await placed(client, (KEYBOARD, 1))
    await pay(client, order)
    sender = MailSender(database, mail_settings(settings, smtp, shop_email=None))
    assert await sender.worker.run_due() == 2
    assert [r.recipients for r in smtp.inbox.received] == [["ada@example.com"]]
    rows = {row["recipient"]: row for row in await outbox(database)}
    assert rows[mail.SHOP]["delivery"] == NO_SHOP_ADDRESS
    assert rows[mail.CUSTOMER]["delivery"] == "smtp"


async def test_smtp_down_delays_mail_never_the_order_and_every_message_arrives_once(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    smtp.stop()
    lamp = await seller_product(client, "alice", "alice@sellers.example")
    order = await placed(client, (KEYBOARD, 1), (lamp["id"], 1))
    await pay(client, order)
    assert (await client.get(f"/orders/{order['order_id']}")).json()["status"] == "paid"

    sender = MailSender(database, mail_settings(settings, smtp))
    assert await sender.worker.run_due() == 3  # three attempts, all refused
    rows = await outbox(database)
    assert [(r["state"], r["attempts"]) for r in rows] == [(jobs.WAITING, 1)] * 3
    assert all("SMTP" in str(r["last_error"]) or "onnect" in str(r["last_error"]) for r in rows)
    assert all(r["next_attempt_at"] > utcnow() for r in rows)  # backing off
    assert await sender.worker.run_due() == 0  # nothing is due yet

    smtp.start()
    for row in rows:  # the backoff has passed
        assert await database.write(jobs.retry_now, mail.OUTBOX, row["id"])
    assert await sender.worker.run_due() == 3
    assert await sender.worker.run_due() == 0
    assert sorted(r.recipients[0] for r in smtp.inbox.received) == [
        "ada@example.com",
        "alice@sellers.example",
        "owner@shop.example",
    ]
    assert {r["state"] for r in await outbox(database)} == {jobs.DONE}


async def test_two_senders_on_one_outbox_send_each_message_once(
    client: httpx.AsyncClient,
    database: Database,
    database_url: str,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    for n in range(4):
        await pay(client, await placed(client, (KEYBOARD, 1), details={**DETAILS, "name": f"C{n}"}))
    other = create_database(database_url)  # another process's connections
    try:
        config = mail_settings(settings, smtp)
        first, second = MailSender(database, config), MailSender(other, config)
        sent = await asyncio.gather(first.worker.run_due(), second.worker.run_due())
    finally:
        await other.close()
    assert sum(sent) == 8
    ids = [r.message_id for r in smtp.inbox.received]
    assert len(ids) == 8 and len(set(ids)) == 8


async def test_refund_and_cancel_emails_go_to_the_customer_once_per_event(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    order = await placed(client, (KEYBOARD, 1))
    await pay(client, order)
    order_id = order["order_id"]
    for key in ("ref_1", "ref_1", "ref_2"):
        await database.write(mail.queue_refund_mail, order_id, key, 1250, reason="Scratched")
    await database.write(mail.queue_cancel_mail, order_id, refund_cents=8999)
    await database.write(mail.queue_order_mail, order_id, mail.CANCELLED)
    sender = MailSender(database, mail_settings(settings, smtp))
    assert await sender.worker.run_due() == 5  # paid (customer, shop), 2 refunds, 1 cancel
    to_customer = smtp.inbox.to("ada@example.com")
    subjects = sorted(str(r.message["Subject"]) for r in to_customer)
    short = order_id[:8]
    assert subjects == [
        f"Refund of $12.50 for your order {short}",
        f"Refund of $12.50 for your order {short}",
        f"Your order {short} is confirmed",
        f"Your order {short} was cancelled",
    ]
    cancelled = next(r for r in to_customer if "cancelled" in str(r.message["Subject"]))
    assert "The $89.99 you paid is being refunded." in cancelled.part("plain")
    refund = next(r for r in to_customer if "Refund" in str(r.message["Subject"]))
    assert "Reason: Scratched" in refund.part("plain")
    assert "We have refunded $12.50 for your order" in refund.part("plain")


async def test_a_name_or_note_with_line_breaks_never_adds_a_header(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    order = await placed(client, (KEYBOARD, 1))
    # Checkout refuses these; written straight into the snapshot, as if something had slipped.
    await database.write(
        lambda tx: tx.execute(
            update(OrderCustomer)
            .where(OrderCustomer.order_id == order["order_id"])
            .values(
                name="Eve\r\nBcc: victim@example.com\r\nX-Injected: name",
                note="Hello\r\n\r\nX-Injected: note\nBcc: other@example.com",
            )
        )
    )
    await pay(client, order)
    assert await MailSender(database, mail_settings(settings, smtp)).worker.run_due() == 2
    for received in smtp.inbox.received:
        headers = {name.lower() for name in received.message}
        assert "bcc" not in headers and "x-injected" not in headers
        assert len(received.recipients) == 1
    [customer] = smtp.inbox.to("ada@example.com")
    assert customer.message["To"] == (
        '"Eve Bcc: victim@example.com X-Injected: name" <ada@example.com>'
    )
    [shop] = smtp.inbox.to("owner@shop.example")
    assert "\n" not in str(shop.message["Subject"])
    assert "X-Injected: note" in shop.part("plain")  # in the body, where it is only text


async def test_without_smtp_each_message_is_one_eml_file_named_after_its_key(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    order = await placed(client, (KEYBOARD, 1))
    await pay(client, order)
    files = settings.model_copy(update={"shop_email": "owner@shop.example"})
    sender = MailSender(database, files)
    assert await sender.worker.run_due() == 2
    directory = Path(settings.data_dir) / "mail"
    rows = await outbox(database)
    names = sorted(path.name for path in directory.iterdir())
    assert names == sorted(f"{row['id']}.eml" for row in rows)
    first = (directory / names[0]).read_bytes()

    # Sent again (as after a crash between sending and recording it): the same file, whole.
    for row in rows:
        await database.write(
            lambda tx, i=row["id"]: tx.execute(
                update(mail.OUTBOX).where(mail.OUTBOX.c.id == i).values(state=jobs.WAITING)
            )
        )
    assert await sender.worker.run_due() == 2
    assert sorted(path.name for path in directory.iterdir()) == names
    assert (directory / names[0]).read_bytes() == first
    assert b"Message-ID: <" in first and b"Content-Type: multipart/alternative" in first


async def test_the_confirmation_shows_what_the_total_is_made_of(
    client: httpx.AsyncClient, database: Database, settings: Settings, smtp: SmtpServer
) -> None:
    await database.write(
        pricing.create_code, {"code": "spring", "kind": "percent", "value": Decimal(10)}
    )
    details = {**DETAILS, "shipping_method": "express", "discount_code": "SPRING"}
    order = await placed(client, (KEYBOARD, 1), details=details)
    assert order["total"] == 93.98  # 89.99 - 9.00 + 12.99
    await pay(client, order)

    assert await MailSender(database, mail_settings(settings, smtp)).worker.run_due() == 2
    for address in ("ada@example.com", "owner@shop.example"):
        [message] = smtp.inbox.to(address)
        text = message.part("plain")
        for expected in (
            "Subtotal: $89.99",
            "Discount (SPRING): -$9.00",
            "Shipping (Express delivery): $12.99",
            "Total: $93.98",
        ):
            assert expected in text, text
        assert "Discount (SPRING)" in message.part("html")
