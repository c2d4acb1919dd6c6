"""Shapes of the outbox as the back office's API shows it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from shopkeep.catalog.schemas import MAX_PAGE

MailStatus = Literal["waiting", "done", "failed"]


class MailQuery(BaseModel):
    status: MailStatus | None = Field(
        default=None,
        description="waiting: not sent yet (tried again later after an error); done: sent; "
        "failed: given up.",
    )
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=200)


class MailOut(BaseModel):
    id: str
    to: str | None = Field(description="null: the shop owner's copy, to SHOPKEEP_SHOP_EMAIL.")
    recipient: str = Field(description="customer, shop or seller:<id>.")
    subject: str | None = Field(description="Written when the message is sent.")
    event: str
    order_id: str
    status: MailStatus
    attempts: int
    last_error: str | None
    next_attempt_at: str | None = Field(description="When a waiting message is tried next.")
    delivery: str | None = Field(description="How it went out: smtp, a file, or why not.")
    created_at: str


class MailPage(BaseModel):
    total: int
    page: int
    page_size: int
    messages: list[MailOut] = Field(description="Newest first.")


class MailMessage(MailOut):
    text: str | None = Field(description="The plain-text part, as sent or as it would be.")
    unsendable: str | None = Field(description="Why the message can never be sent, if so.")
