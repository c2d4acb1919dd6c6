"""Catalog, carts, orders and the payment inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime

# Product columns whose changes can alter which catalog filters a product matches; stock moves
# the version only when it reaches or leaves zero (the `in_stock` filter).
FILTERED_COLUMNS = "name, description, brand, category_id, price_cents, rating_tenths, seller_id"

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("product_count", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("name", name=op.f("uq_categories_name")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("brand", sa.String(length=200), server_default="", nullable=False),
        sa.Column(
            "brand_key",
            sa.String(length=200),
            sa.Computed("lower(brand)", persisted=True),
            nullable=False,
        ),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("rating_tenths", sa.Integer(), server_default="0", nullable=False),
        sa.Column("stock", sa.Integer(), server_default="0", nullable=False),
        sa.Column("image_url", sa.String(length=500), nullable=True),
        sa.Column("seller_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("price_cents >= 1", name=op.f("ck_products_price_positive")),
        sa.CheckConstraint("rating_tenths BETWEEN 0 AND 50", name=op.f("ck_products_rating_range")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_products_stock_not_negative")),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_products_category_id_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    for columns in (
        ["category_id", "id"],
        ["category_id", "name"],
        ["category_id", "rating_tenths", "price_cents", "stock"],
        ["price_cents"],
        ["rating_tenths"],
        ["name"],
        ["stock"],
        ["seller_id"],
        ["category_id", "brand"],
        ["category_id", "price_cents", "rating_tenths", "stock"],
        ["price_cents", "rating_tenths", "category_id", "stock"],
        ["rating_tenths", "price_cents", "category_id", "stock"],
        ["brand_key", "price_cents", "rating_tenths", "category_id", "stock"],
    ):
        op.create_index(op.f(f"ix_products_{'_'.join(columns)}"), "products", columns)

    catalog_state = op.create_table(
        "catalog_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_state")),
    )
    op.bulk_insert(catalog_state, [{"id": 1, "version": 0}])

    op.create_table(
        "carts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
    )
    op.create_table(
        "cart_items",
        sa.Column("cart_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "quantity BETWEEN 1 AND 1000", name=op.f("ck_cart_items_quantity_range")
        ),
        sa.ForeignKeyConstraint(
            ["cart_id"],
            ["carts.id"],
            name=op.f("fk_cart_items_cart_id_carts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_cart_items_product_id_products")
        ),
        sa.PrimaryKeyConstraint("cart_id", "product_id", name=op.f("pk_cart_items")),
    )
    op.create_index(op.f("ix_cart_items_product_id"), "cart_items", ["product_id"])

    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("cart_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("payment_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["cart_id"], ["carts.id"], name=op.f("fk_orders_cart_id_carts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    op.create_index(op.f("ix_orders_cart_id_status"), "orders", ["cart_id", "status"])
    op.create_index(op.f("ix_orders_status_expires_at"), "orders", ["status", "expires_at"])
    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_price_cents", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_order_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_order_lines_product_id_products")
        ),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_order_lines")),
    )
    op.create_index(op.f("ix_order_lines_product_id"), "order_lines", ["product_id"])

    op.create_table(
        "payment_events",
        sa.Column("payment_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_payment_events")),
    )
    op.create_index(op.f("ix_payment_events_order_id"), "payment_events", ["order_id"])

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()


def _sqlite_upgrade() -> None:
    # Per-category product counts, so the whole catalog's total is a read of five rows.
    op.execute(
        "CREATE TRIGGER products_count_insert AFTER INSERT ON products BEGIN "
        "UPDATE categories SET product_count = product_count + 1 WHERE id = NEW.category_id; END"
    )
    op.execute(
        "CREATE TRIGGER products_count_delete AFTER DELETE ON products BEGIN "
        "UPDATE categories SET product_count = product_count - 1 WHERE id = OLD.category_id; END"
    )
    op.execute(
        "CREATE TRIGGER products_count_move AFTER UPDATE OF category_id ON products "
        "WHEN OLD.category_id <> NEW.category_id BEGIN "
        "UPDATE categories SET product_count = product_count - 1 WHERE id = OLD.category_id; "
        "UPDATE categories SET product_count = product_count + 1 WHERE id = NEW.category_id; END"
    )
    # The catalog version moves with every change that can alter which filters match.
    for event, table_event in (
        ("insert", "INSERT"),
        ("delete", "DELETE"),
        ("update", f"UPDATE OF {FILTERED_COLUMNS}"),
    ):
        op.execute(
            f"CREATE TRIGGER products_version_{event} AFTER {table_event} ON products BEGIN "
            "UPDATE catalog_state SET version = version + 1 WHERE id = 1; END"
        )
    op.execute(
        "CREATE TRIGGER products_version_stock AFTER UPDATE OF stock ON products "
        "WHEN (OLD.stock > 0) <> (NEW.stock > 0) BEGIN "
        "UPDATE catalog_state SET version = version + 1 WHERE id = 1; END"
    )
    # Substring search over name and description: a trigram full-text index kept by triggers.
    op.execute(
        "CREATE VIRTUAL TABLE products_search USING fts5("
        "name, description, content='products', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN "
        "INSERT INTO products_search(rowid, name, description) "
        "VALUES (NEW.id, NEW.name, NEW.description); END"
    )
    op.execute(
        "CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN "
        "INSERT INTO products_search(products_search, rowid, name, description) "
        "VALUES ('delete', OLD.id, OLD.name, OLD.description); END"
    )
    op.execute(
        "CREATE TRIGGER products_search_update AFTER UPDATE OF name, description ON products BEGIN "
        "INSERT INTO products_search(products_search, rowid, name, description) "
        "VALUES ('delete', OLD.id, OLD.name, OLD.description); "
        "INSERT INTO products_search(rowid, name, description) "
        "VALUES (NEW.id, NEW.name, NEW.description); END"
    )


def _postgresql_upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION products_count() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                UPDATE categories SET product_count = product_count - 1 WHERE id = OLD.category_id;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                UPDATE categories SET product_count = product_count + 1 WHERE id = NEW.category_id;
            END IF;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER products_count_change AFTER INSERT OR DELETE ON products "
        "FOR EACH ROW EXECUTE FUNCTION products_count()"
    )
    op.execute(
        "CREATE TRIGGER products_count_move AFTER UPDATE OF category_id ON products "
        "FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id) "
        "EXECUTE FUNCTION products_count()"
    )
    op.execute(
        """
        CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE catalog_state SET version = version + 1 WHERE id = 1;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER products_version_change "
        f"AFTER INSERT OR DELETE OR UPDATE OF {FILTERED_COLUMNS} ON products "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
    )
    op.execute(
        "CREATE TRIGGER products_version_stock AFTER UPDATE OF stock ON products FOR EACH ROW "
        "WHEN ((OLD.stock > 0) IS DISTINCT FROM (NEW.stock > 0)) "
        "EXECUTE FUNCTION catalog_version_bump()"
    )
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_products_name_trgm ON products USING gin (lower(name) gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX ix_products_description_trgm ON products "
        "USING gin (lower(description) gin_trgm_ops)"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE products_search")
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER products_search_{trigger}")
        for trigger in ("insert", "delete", "move"):
            op.execute(f"DROP TRIGGER products_count_{trigger}")
        for trigger in ("insert", "delete", "update", "stock"):
            op.execute(f"DROP TRIGGER products_version_{trigger}")
    else:
        op.execute("DROP TRIGGER products_count_change ON products")
        op.execute("DROP TRIGGER products_count_move ON products")
        op.execute("DROP FUNCTION products_count()")
        op.execute("DROP TRIGGER products_version_change ON products")
        op.execute("DROP TRIGGER products_version_stock ON products")
        op.execute("DROP FUNCTION catalog_version_bump()")
    for table in (
        "payment_events",
        "order_lines",
        "orders",
        "cart_items",
        "carts",
        "catalog_state",
        "products",
    ):
        op.drop_table(table)
    op.drop_table("categories")
