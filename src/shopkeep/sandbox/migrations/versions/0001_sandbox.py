"""Payments, the callback outbox and delivery attempts.

Revision ID: s0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime

revision: str = "s0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_payments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("failure_code", sa.String(length=32), nullable=True),
        sa.Column("card_last4", sa.String(length=4), nullable=True),
        sa.Column("return_url", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_payments")),
    )
    op.create_index(
        op.f("ix_sandbox_payments_order_id"), "sandbox_payments", ["order_id"], unique=False
    )
    op.create_table(
        "sandbox_callbacks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("leased_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["sandbox_payments.id"],
            name=op.f("fk_sandbox_callbacks_payment_id_sandbox_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_callbacks")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_sandbox_callbacks_payment_id")),
    )
    op.create_index(
        "ix_sandbox_callbacks_due", "sandbox_callbacks", ["state", "next_attempt_at"], unique=False
    )
    op.create_table(
        "sandbox_delivery_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["sandbox_callbacks.id"],
            name=op.f("fk_sandbox_delivery_attempts_callback_id_sandbox_callbacks"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_delivery_attempts")),
    )
    op.create_index(
        op.f("ix_sandbox_delivery_attempts_callback_id"),
        "sandbox_delivery_attempts",
        ["callback_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("sandbox_delivery_attempts")
    op.drop_table("sandbox_callbacks")
    op.drop_table("sandbox_payments")
