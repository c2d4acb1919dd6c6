"""Turning an outbox row's facts into an email: plain text and HTML from Jinja2 templates, in an
`EmailMessage` whose headers cannot be injected into.

Every header value made from data (names, subjects) is first flattened to one line; the
`email.policy` in use refuses a line break in a header in any case, so a name or a note can
never add a header of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from functools import cache
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shopkeep.mail.service import CANCELLED, CUSTOMER, PAID, REFUNDED, SHIPPED, SHOP, MailFacts
from shopkeep.money import display
from shopkeep.orders.details import country_name

TEMPLATES = Path(__file__).parent / "templates"
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


class Unsendable(ValueError):
    """A message that can never be sent as it stands (a recipient that is not an address)."""


@dataclass(frozen=True, slots=True)
class MailConfig:
    from_address: str
    shop_address: str | None
    public_url: str


def one_line(text: str) -> str:
    """Text for a header: line breaks and control characters become spaces."""
    return " ".join(_BREAKS.sub(" ", text).split())


def checked_address(address: str) -> str:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise Unsendable(f"{address!r} is not an email address: {error}") from None


def sender(config: MailConfig) -> Address:
    name, address = parseaddr(config.from_address)
    if "@" not in address:
        raise Unsendable(f"SHOPKEEP_MAIL_FROM ({config.from_address!r}) holds no email address")
    user, domain = address.rsplit("@", 1)
    return Address(display_name=one_line(name), username=user, domain=domain)


def message_id(facts: MailFacts, config: MailConfig) -> str:
    """Stable: the same message has the same Message-ID on every try."""
    return f"<{facts.id}@{sender(config).domain}>"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(money=display, country=country_name)
    return env


def template_name(facts: MailFacts) -> str:
    if facts.event == PAID:
        if facts.recipient == CUSTOMER:
            return "paid_customer"
        return "paid_shop" if facts.recipient == SHOP else "paid_seller"
    return facts.event


def subject(facts: MailFacts) -> str:
    short = facts.order_id[:8]
    if facts.event == PAID:
        if facts.recipient == CUSTOMER:
            return f"Your order {short} is confirmed"
        if facts.recipient == SHOP:
            who = f" from {facts.customer.name}" if facts.customer else ""
            return f"New order {short}{who}: {display(facts.total_cents, facts.currency)}"
        count = sum(line.quantity for line in facts.shown_lines)
        return f"New order {short}: {count} of your items sold"
    if facts.event == REFUNDED:
        amount = display(int(facts.context.get("amount_cents", 0)), facts.currency)
        return f"Refund of {amount} for your order {short}"
    if facts.event == CANCELLED:
        return f"Your order {short} was cancelled"
    if facts.event == SHIPPED:
        return f"Your order {short} has shipped with {facts.context.get('carrier', '')}"
    raise Unsendable(f"no email is written for {facts.event!r}")


def recipient_address(facts: MailFacts, config: MailConfig) -> str | None:
    """Where this message goes; None for the shop owner's copy when the shop has no address."""
    address = facts.to_address if facts.recipient != SHOP else config.shop_address
    return None if address is None else checked_address(address)


def compose(facts: MailFacts, config: MailConfig, to: str) -> EmailMessage:
    shown = facts.shown_lines
    context = {
        "facts": facts,
        "customer": facts.customer,
        "lines": shown,
        "lines_cents": sum(line.line_cents for line in shown),
        "currency": facts.currency,
        "order_url": f"{config.public_url.rstrip('/')}/orders/{facts.order_id}",
        "shop_name": sender(config).display_name or "Shopkeep",
    }
    env = _environment()
    name = template_name(facts)
    text = env.get_template(f"{name}.txt").render(context)
    html = env.get_template(f"{name}.html").render(context)

    message = EmailMessage(policy=SMTP)
    message["Subject"] = one_line(subject(facts))
    message["From"] = sender(config)
    display_name = ""
    if facts.recipient == CUSTOMER and facts.customer is not None:
        display_name = one_line(facts.customer.name)
    user, domain = to.rsplit("@", 1)
    message["To"] = Address(display_name=display_name, username=user, domain=domain)
    message["Date"] = format_datetime(facts.queued_at)
    message["Message-ID"] = message_id(facts, config)
    message["X-Shopkeep-Order"] = facts.order_id
    message["X-Shopkeep-Event"] = facts.event
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # Not random: a message sent again is the same message, byte for byte.
    message.set_boundary(f"=_shopkeep_{facts.id}")
    return message
