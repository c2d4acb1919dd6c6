"""The background sender: a `shopkeep.jobs.Worker` over the outbox, in every process that runs
the store or the storefront. A message is composed from the database when it is taken, so a
retry sends the same message with the same Message-ID."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.jobs import GiveUp, Schedule, Worker
from shopkeep.mail import compose, service
from shopkeep.mail.transport import Transport, transport_for

NO_SHOP_ADDRESS = "not sent: SHOPKEEP_SHOP_EMAIL is not set"


def mail_config(settings: Settings) -> compose.MailConfig:
    return compose.MailConfig(
        from_address=settings.mail_from,
        shop_address=settings.shop_email,
        public_url=settings.public_url,
    )


def schedule(settings: Settings) -> Schedule:
    return Schedule(
        lease=timedelta(seconds=settings.mail_lease_seconds),
        first_retry_seconds=settings.mail_first_retry_seconds,
        max_retry_seconds=settings.mail_max_retry_seconds,
        give_up_after=timedelta(hours=settings.mail_retry_hours),
        idle_poll_seconds=settings.mail_poll_seconds,
    )


class MailSender:
    """Sends the outbox's messages through `transport`."""

    def __init__(
        self, database: Database, settings: Settings, transport: Transport | None = None
    ) -> None:
        self.database = database
        self.config = mail_config(settings)
        compose.sender(self.config)  # a From without an address stops the start, loudly
        self.transport = transport or transport_for(settings)
        self.worker = Worker(database, service.OUTBOX, self.deliver, schedule(settings))

    async def deliver(self, row: Mapping[str, Any]) -> Mapping[str, Any]:
        facts = await self.database.read(service.mail_facts, row["id"])
        try:
            subject = compose.one_line(compose.subject(facts))
            to = compose.recipient_address(facts, self.config)
            if to is None:
                return {"delivery": NO_SHOP_ADDRESS, "subject": subject}
            message = compose.compose(facts, self.config, to)
            sender = compose.sender(self.config).addr_spec
        except compose.Unsendable as error:
            raise GiveUp(str(error)) from error
        how = await self.transport.send(message, mail_id=facts.id, sender=sender, to=to)
        return {"delivery": how, "subject": subject, "to_address": to}

    async def message(self, mail_id: str) -> bytes:
        """The message as it is (or would be) sent, for `shopkeep mail show`."""
        return (await composed(self.database, self.config, mail_id)).as_bytes()


async def composed(database: Database, config: compose.MailConfig, mail_id: str) -> EmailMessage:
    """The message as it is (or would be) sent; MailNotFound, or `compose.Unsendable` for one
    that can never be."""
    facts = await database.read(service.mail_facts, mail_id)
    # The owner's copy of a shop without an address is shown as if to the shop itself.
    to = compose.recipient_address(facts, config)
    return compose.compose(facts, config, to or compose.sender(config).addr_spec)


async def shown(database: Database, settings: Settings, mail_id: str) -> dict[str, Any]:
    """A message for the back office: its outbox row, and its subject and plain text as sent
    (or as they would be), or why it can never be sent."""
    row = await database.read(service.one_mail, mail_id)  # MailNotFound
    try:
        message = await composed(database, mail_config(settings), mail_id)
    except compose.Unsendable as error:
        return {**row, "text": None, "unsendable": str(error)}
    body = message.get_body(preferencelist=("plain",))
    text = None if body is None else str(body.get_content())
    return {**row, "subject": str(message["Subject"]), "text": text, "unsendable": None}
