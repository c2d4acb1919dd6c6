"""Staff accounts, the log-in limiter counting each kind of account apart, a low-stock
threshold per product, and orders indexed newest first (the back office's lists).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column(
            "username_key",
            sa.String(length=50),
            sa.Computed("lower(username)", persisted=True),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
        sa.UniqueConstraint("username_key", name=op.f("uq_staff_username_key")),
    )
    # The counters hold the current minute's attempts only: nothing worth carrying over.
    op.execute("DELETE FROM login_attempts")
    with op.batch_alter_table("login_attempts", recreate="auto") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False))
        batch.drop_constraint("pk_login_attempts", type_="primary")
        batch.create_primary_key("pk_login_attempts", ["kind", "username_key"])
    # A plain column with a default: SQLite adds it in place (no rebuild of the products
    # table, whose triggers and search index stay as they are).
    op.add_column(
        "products",
        sa.Column("low_stock_threshold", sa.Integer(), server_default="5", nullable=False),
    )
    op.create_index(op.f("ix_orders_created_at_id"), "orders", ["created_at", "id"])
    op.create_index(
        op.f("ix_orders_status_created_at_id"), "orders", ["status", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_orders_status_created_at_id"), "orders")
    op.drop_index(op.f("ix_orders_created_at_id"), "orders")
    op.drop_column("products", "low_stock_threshold")
    op.execute("DELETE FROM login_attempts")
    with op.batch_alter_table("login_attempts", recreate="auto") as batch:
        batch.drop_constraint("pk_login_attempts", type_="primary")
        batch.drop_column("kind")
        batch.create_primary_key("pk_login_attempts", ["username_key"])
    op.drop_table("staff")
