"""Who an order ships to (a snapshot per order), sellers' email addresses, and the mail outbox.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_customers",
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("line1", sa.String(200), nullable=False),
        sa.Column("line2", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("postal_code", sa.String(20), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_customers_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_customers")),
    )
    op.create_index(op.f("ix_order_customers_email"), "order_customers", ["email"])

    # Added and dropped in place (SQLite 3.35 and later, as PostgreSQL): rebuilding the table
    # would copy its generated username key.
    op.add_column("sellers", sa.Column("email", sa.String(254), nullable=True))

    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(100), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column("to_address", sa.String(254), nullable=True),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivery", sa.String(200), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("state", sa.String(16), server_default="waiting", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("leased_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_mail_outbox_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
        sa.UniqueConstraint(
            "order_id",
            "event_key",
            "recipient",
            name=op.f("uq_mail_outbox_order_id_event_key_recipient"),
        ),
    )
    op.create_index(op.f("ix_mail_outbox_order_id"), "mail_outbox", ["order_id"])
    op.create_index(
        op.f("ix_mail_outbox_state_next_attempt_at"), "mail_outbox", ["state", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("mail_outbox")
    op.drop_column("sellers", "email")
    op.drop_table("order_customers")
