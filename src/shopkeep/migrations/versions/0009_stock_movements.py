"""Stock movements: every change of a product's stock, with its type, order or actor, and time.
Products already on the shelf get one `adjust` movement of their stock, so that from here on
Σ movements = stock for every product.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime, utcnow

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    movements = op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_stock_movements_quantity_not_zero")),
        sa.CheckConstraint(
            "type IN ('reserve', 'release', 'restock', 'adjust')",
            name=op.f("ck_stock_movements_type_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_stock_movements_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_movements_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    op.create_index(
        op.f("ix_stock_movements_product_id_id"), "stock_movements", ["product_id", "id"]
    )
    op.create_index(op.f("ix_stock_movements_order_id"), "stock_movements", ["order_id"])
    products = sa.table("products", sa.column("id", sa.Integer()), sa.column("stock", sa.Integer()))
    op.get_bind().execute(
        movements.insert().from_select(
            ["product_id", "type", "quantity", "actor", "reason", "at"],
            sa.select(
                products.c.id,
                sa.literal("adjust"),
                products.c.stock,
                sa.literal("system"),
                sa.literal("Stock when movements began"),
                sa.literal(utcnow(), UTCDateTime()),
            ).where(products.c.stock != 0),
        )
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_stock_movements_order_id"), "stock_movements")
    op.drop_index(op.f("ix_stock_movements_product_id_id"), "stock_movements")
    op.drop_table("stock_movements")
