"""Sellers, the log-in limiter, product ownership and deleted products.

Deleted products keep their row (carts and orders point at it) with `deleted_at` set, and leave
the catalog: its indexes become partial (`WHERE deleted_at IS NULL`), and the triggers that keep
category counts, the catalog version and SQLite's search index skip deleted products.

On SQLite the products table is rebuilt to gain its foreign key to sellers (SQLite cannot add
one to an existing table); ids are kept, so the search index stays valid.

Downgrading puts the schema of 0001 back; products deleted meanwhile return to the catalog.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from shopkeep.db import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = "deleted_at IS NULL"
# Every product index, and whether it becomes a counting index (carrying `deleted_at`, so that
# SQLite can count from it alone) rather than a sort order (whose rows must come in id order
# after its columns).
INDEXED = (
    (["category_id", "id"], True),
    (["category_id", "name"], False),
    (["category_id", "rating_tenths", "price_cents", "stock"], True),
    (["price_cents"], False),
    (["rating_tenths"], False),
    (["name"], False),
    (["stock"], True),
    (["seller_id"], True),
    (["category_id", "brand"], True),
    (["category_id", "price_cents", "rating_tenths", "stock"], True),
    (["price_cents", "rating_tenths", "category_id", "stock"], True),
    (["rating_tenths", "price_cents", "category_id", "stock"], True),
    (["brand_key", "price_cents", "rating_tenths", "category_id", "stock"], True),
)
# Columns whose changes can alter which catalog filters a product matches (0001's list, plus
# deletion).
OLD_FILTERED = "name, description, brand, category_id, price_cents, rating_tenths, seller_id"
FILTERED = OLD_FILTERED + ", deleted_at"
PRODUCT_COLUMNS = (
    "id, name, description, brand, category_id, price_cents, rating_tenths, stock, image_url, "
    "seller_id"
)
SQLITE_TRIGGERS = (
    "products_count_insert",
    "products_count_delete",
    "products_count_move",
    "products_version_insert",
    "products_version_delete",
    "products_version_update",
    "products_version_stock",
    "products_search_insert",
    "products_search_delete",
    "products_search_update",
)


def upgrade() -> None:
    op.create_table(
        "sellers",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sellers")),
        sa.UniqueConstraint("username_key", name=op.f("uq_sellers_username_key")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("username_key", sa.String(length=50), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("username_key", name=op.f("pk_login_attempts")),
    )
    op.create_index(
        op.f("ix_login_attempts_window_start"), "login_attempts", ["window_start"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_products(with_sellers=True)
        _sqlite_triggers(listed_only=True)
    else:
        op.add_column("products", sa.Column("deleted_at", UTCDateTime(), nullable=True))
        op.create_foreign_key(
            op.f("fk_products_seller_id_sellers"), "products", "sellers", ["seller_id"], ["id"]
        )
        for columns, _counting in INDEXED:
            op.drop_index(_index_name(columns), "products")
        _postgresql_triggers(listed_only=True)
    _create_indexes(listed_only=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_products(with_sellers=False)
        _sqlite_triggers(listed_only=False)
    else:
        for columns, counting in INDEXED:
            op.drop_index(_index_name(_listed_columns(columns, counting)), "products")
        _postgresql_triggers(listed_only=False)
        op.drop_constraint(op.f("fk_products_seller_id_sellers"), "products", type_="foreignkey")
        op.drop_column("products", "deleted_at")
    _create_indexes(listed_only=False)
    # Deleted products are back in the catalog: count them again.
    op.execute(
        "UPDATE categories SET product_count = "
        "(SELECT count(*) FROM products WHERE products.category_id = categories.id)"
    )
    op.drop_index(op.f("ix_login_attempts_window_start"), "login_attempts")
    op.drop_table("login_attempts")
    op.drop_table("sellers")


def _index_name(columns: Sequence[str]) -> str:
    return op.f(f"ix_products_{'_'.join(columns)}")


def _listed_columns(columns: list[str], counting: bool) -> list[str]:
    return [*columns, "deleted_at"] if counting else columns


def _create_indexes(*, listed_only: bool) -> None:
    for columns, counting in INDEXED:
        if listed_only:
            listed = _listed_columns(columns, counting)
            op.create_index(
                _index_name(listed),
                "products",
                listed,
                sqlite_where=sa.text(LISTED),
                postgresql_where=sa.text(LISTED),
            )
        else:
            op.create_index(_index_name(columns), "products", columns)


def _rebuild_sqlite_products(*, with_sellers: bool) -> None:
    """SQLite's way to change a table's constraints: build the new table, copy the rows, drop
    the old one (with its indexes and triggers), and give the new one the old name."""
    extra: list[Any] = []
    if with_sellers:
        extra = [
            sa.Column("deleted_at", UTCDateTime(), nullable=True),
            sa.ForeignKeyConstraint(
                ["seller_id"], ["sellers.id"], name=op.f("fk_products_seller_id_sellers")
            ),
        ]
    op.create_table(
        "products_rebuilt",
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
        *extra,
    )
    op.execute(
        f"INSERT INTO products_rebuilt ({PRODUCT_COLUMNS}) SELECT {PRODUCT_COLUMNS} FROM products"
    )
    op.execute("DROP TABLE products")
    op.execute("ALTER TABLE products_rebuilt RENAME TO products")


def _sqlite_triggers(*, listed_only: bool) -> None:
    """The triggers of 0001 over the rebuilt table; with `listed_only`, deleted products count
    nowhere and leave the search index."""
    for trigger in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    new_listed = " WHEN NEW.deleted_at IS NULL" if listed_only else ""
    old_listed = " WHEN OLD.deleted_at IS NULL" if listed_only else ""
    op.execute(
        f"CREATE TRIGGER products_count_insert AFTER INSERT ON products{new_listed} BEGIN "
        "UPDATE categories SET product_count = product_count + 1 WHERE id = NEW.category_id; END"
    )
    op.execute(
        f"CREATE TRIGGER products_count_delete AFTER DELETE ON products{old_listed} BEGIN "
        "UPDATE categories SET product_count = product_count - 1 WHERE id = OLD.category_id; END"
    )
    if listed_only:
        op.execute(
            "CREATE TRIGGER products_count_move "
            "AFTER UPDATE OF category_id, deleted_at ON products "
            "WHEN OLD.category_id <> NEW.category_id "
            "OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) BEGIN "
            "UPDATE categories SET product_count = product_count - 1 "
            "WHERE id = OLD.category_id AND OLD.deleted_at IS NULL; "
            "UPDATE categories SET product_count = product_count + 1 "
            "WHERE id = NEW.category_id AND NEW.deleted_at IS NULL; END"
        )
    else:
        op.execute(
            "CREATE TRIGGER products_count_move AFTER UPDATE OF category_id ON products "
            "WHEN OLD.category_id <> NEW.category_id BEGIN "
            "UPDATE categories SET product_count = product_count - 1 WHERE id = OLD.category_id; "
            "UPDATE categories SET product_count = product_count + 1 WHERE id = NEW.category_id; "
            "END"
        )
    filtered = FILTERED if listed_only else OLD_FILTERED
    for event, table_event in (
        ("insert", "INSERT"),
        ("delete", "DELETE"),
        ("update", f"UPDATE OF {filtered}"),
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
    # An external-content FTS5 index must be told exactly what it holds: a row is removed only
    # if it was listed, and added only if it is listed.
    op.execute(
        f"CREATE TRIGGER products_search_insert AFTER INSERT ON products{new_listed} BEGIN "
        "INSERT INTO products_search(rowid, name, description) "
        "VALUES (NEW.id, NEW.name, NEW.description); END"
    )
    op.execute(
        f"CREATE TRIGGER products_search_delete AFTER DELETE ON products{old_listed} BEGIN "
        "INSERT INTO products_search(products_search, rowid, name, description) "
        "VALUES ('delete', OLD.id, OLD.name, OLD.description); END"
    )
    if listed_only:
        op.execute(
            "CREATE TRIGGER products_search_update "
            "AFTER UPDATE OF name, description, deleted_at ON products BEGIN "
            "INSERT INTO products_search(products_search, rowid, name, description) "
            "SELECT 'delete', OLD.id, OLD.name, OLD.description WHERE OLD.deleted_at IS NULL; "
            "INSERT INTO products_search(rowid, name, description) "
            "SELECT NEW.id, NEW.name, NEW.description WHERE NEW.deleted_at IS NULL; END"
        )
    else:
        # The rows of deleted products come back into the index with the products.
        op.execute("INSERT INTO products_search(products_search) VALUES ('rebuild')")
        op.execute(
            "CREATE TRIGGER products_search_update "
            "AFTER UPDATE OF name, description ON products BEGIN "
            "INSERT INTO products_search(products_search, rowid, name, description) "
            "VALUES ('delete', OLD.id, OLD.name, OLD.description); "
            "INSERT INTO products_search(rowid, name, description) "
            "VALUES (NEW.id, NEW.name, NEW.description); END"
        )


def _postgresql_triggers(*, listed_only: bool) -> None:
    op.execute("DROP TRIGGER products_count_move ON products")
    op.execute("DROP TRIGGER products_version_change ON products")
    if listed_only:
        op.execute(
            """
            CREATE OR REPLACE FUNCTION products_count() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('DELETE', 'UPDATE') THEN
                    IF OLD.deleted_at IS NULL THEN
                        UPDATE categories SET product_count = product_count - 1
                        WHERE id = OLD.category_id;
                    END IF;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    IF NEW.deleted_at IS NULL THEN
                        UPDATE categories SET product_count = product_count + 1
                        WHERE id = NEW.category_id;
                    END IF;
                END IF;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER products_count_move AFTER UPDATE OF category_id, deleted_at "
            "ON products FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id "
            "OR (OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL)) "
            "EXECUTE FUNCTION products_count()"
        )
    else:
        op.execute(
            """
            CREATE OR REPLACE FUNCTION products_count() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('DELETE', 'UPDATE') THEN
                    UPDATE categories SET product_count = product_count - 1
                    WHERE id = OLD.category_id;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    UPDATE categories SET product_count = product_count + 1
                    WHERE id = NEW.category_id;
                END IF;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER products_count_move AFTER UPDATE OF category_id ON products "
            "FOR EACH ROW WHEN (OLD.category_id IS DISTINCT FROM NEW.category_id) "
            "EXECUTE FUNCTION products_count()"
        )
    filtered = FILTERED if listed_only else OLD_FILTERED
    op.execute(
        "CREATE TRIGGER products_version_change "
        f"AFTER INSERT OR DELETE OR UPDATE OF {filtered} ON products "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
    )
