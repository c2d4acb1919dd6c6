"""Shipping methods, discount codes and their uses; an order's subtotal, discount and shipping
(its lines' shares of the discount), and the shipping part of a refund.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER_AMOUNTS = ("subtotal_cents", "discount_cents", "shipping_cents")
ORDER_NAMES = (("discount_code", 40), ("shipping_method", 40), ("shipping_name", 200))


def upgrade() -> None:
    op.create_table(
        "shipping_methods",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("free_from_cents", sa.BigInteger(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_shipping_methods_price_not_negative")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_shipping_methods")),
    )
    op.create_table(
        "discount_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("min_subtotal_cents", sa.BigInteger(), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("once_per_email", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("uses >= 0", name=op.f("ck_discount_codes_uses_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discount_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_discount_codes_code")),
    )
    op.create_table(
        "discount_uses",
        sa.Column("order_id", sa.String(32), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["code_id"], ["discount_codes.id"], name=op.f("fk_discount_uses_code_id_discount_codes")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_discount_uses_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_discount_uses")),
        sa.UniqueConstraint("code_id", "email", name=op.f("uq_discount_uses_code_id_email")),
    )
    op.create_index(op.f("ix_discount_uses_code_id"), "discount_uses", ["code_id"])
    # Added in place (SQLite 3.35 and later, as PostgreSQL): no table rebuild.
    for name in ORDER_AMOUNTS:
        op.add_column(
            "orders", sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
        )
    for name, length in ORDER_NAMES:
        op.add_column("orders", sa.Column(name, sa.String(length), nullable=True))
    # Orders placed before had neither discount nor shipping: their subtotal is their total.
    op.execute("UPDATE orders SET subtotal_cents = total_cents")
    op.add_column(
        "order_lines",
        sa.Column("discount_cents", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "refunds",
        sa.Column("shipping_cents", sa.BigInteger(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("refunds", "shipping_cents")
    op.drop_column("order_lines", "discount_cents")
    for name, _ in reversed(ORDER_NAMES):
        op.drop_column("orders", name)
    for name in reversed(ORDER_AMOUNTS):
        op.drop_column("orders", name)
    op.drop_index(op.f("ix_discount_uses_code_id"), table_name="discount_uses")
    op.drop_table("discount_uses")
    op.drop_table("discount_codes")
    op.drop_table("shipping_methods")
