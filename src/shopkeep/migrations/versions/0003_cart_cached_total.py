"""Carts remember their total as of the last change to their lines (seed 002's cached price).

Open carts start with their total at today's prices; deleted products count for nothing, as in
the cart's own total.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "carts",
        sa.Column("cached_total_cents", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.execute(
        "UPDATE carts SET cached_total_cents = ("
        "SELECT coalesce(sum(products.price_cents * cart_items.quantity), 0) "
        "FROM cart_items JOIN products ON products.id = cart_items.product_id "
        "WHERE cart_items.cart_id = carts.id AND products.deleted_at IS NULL"
        ") WHERE status = 'open'"
    )


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place, as PostgreSQL does.
    op.drop_column("carts", "cached_total_cents")
