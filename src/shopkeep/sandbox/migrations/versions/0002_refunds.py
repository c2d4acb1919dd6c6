"""Refunds, idempotency keys, and refund callbacks in the outbox beside payment callbacks.

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime

revision: str = "s0002"
down_revision: str | None = "s0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_PER_PAYMENT = sa.text("refund_id IS NULL")


def upgrade() -> None:
    op.create_table(
        "sandbox_refunds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["sandbox_payments.id"],
            name=op.f("fk_sandbox_refunds_payment_id_sandbox_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_refunds")),
    )
    op.create_index(
        op.f("ix_sandbox_refunds_payment_id"), "sandbox_refunds", ["payment_id"], unique=False
    )
    op.create_table(
        "sandbox_idempotency_keys",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_sandbox_idempotency_keys")),
    )
    with op.batch_alter_table("sandbox_callbacks") as batch:
        batch.add_column(sa.Column("refund_id", sa.String(length=40), nullable=True))
        batch.drop_constraint("uq_sandbox_callbacks_payment_id", type_="unique")
        batch.create_unique_constraint(op.f("uq_sandbox_callbacks_refund_id"), ["refund_id"])
        batch.create_foreign_key(
            op.f("fk_sandbox_callbacks_refund_id_sandbox_refunds"),
            "sandbox_refunds",
            ["refund_id"],
            ["id"],
        )
    # A payment's own result is reported once; each of its refunds once more.
    op.create_index(
        "uq_sandbox_callbacks_payment_result",
        "sandbox_callbacks",
        ["payment_id"],
        unique=True,
        sqlite_where=ONE_PER_PAYMENT,
        postgresql_where=ONE_PER_PAYMENT,
    )


def downgrade() -> None:
    op.drop_index("uq_sandbox_callbacks_payment_result", table_name="sandbox_callbacks")
    op.execute(
        "DELETE FROM sandbox_delivery_attempts WHERE callback_id IN "
        "(SELECT id FROM sandbox_callbacks WHERE refund_id IS NOT NULL)"
    )
    op.execute("DELETE FROM sandbox_callbacks WHERE refund_id IS NOT NULL")
    with op.batch_alter_table("sandbox_callbacks") as batch:
        batch.drop_constraint("fk_sandbox_callbacks_refund_id_sandbox_refunds", type_="foreignkey")
        batch.drop_constraint("uq_sandbox_callbacks_refund_id", type_="unique")
        batch.drop_column("refund_id")
        batch.create_unique_constraint("uq_sandbox_callbacks_payment_id", ["payment_id"])
    op.drop_table("sandbox_idempotency_keys")
    op.drop_table("sandbox_refunds")
