"""Products carry `in_stock` (stock > 0), kept by the database, and the catalog's count indexes
carry it instead of `stock`.

A checkout changes the stock of every product it sells. Each index that holds `stock` had its
entry for that product rewritten on every sale, at a random place in a large index: at 100,000
products the six of them made a stock update cost about ten times what the row's own change
does. The flag changes only when stock reaches or leaves zero, so sales rarely touch these
indexes now, while counting in-stock matches still reads an index alone. (On PostgreSQL an
update that changes no indexed column can stay within its page, without touching any index.)

A trigger keeps the flag right whatever writes the row: on SQLite after the write (its
triggers cannot change NEW), on PostgreSQL before it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = "deleted_at IS NULL"
# The count indexes of 0002, each with `stock` where the new ones have `in_stock`.
COUNT_INDEXES = (
    ("category_id", "rating_tenths", "price_cents", "{flag}"),
    ("{flag}",),
    ("category_id", "price_cents", "rating_tenths", "{flag}"),
    ("price_cents", "rating_tenths", "category_id", "{flag}"),
    ("rating_tenths", "price_cents", "category_id", "{flag}"),
    ("brand_key", "price_cents", "rating_tenths", "category_id", "{flag}"),
)
WRONG_FLAG = "NEW.in_stock <> (NEW.stock > 0)"


def _indexes(flag: str) -> list[list[str]]:
    return [
        [*(name.format(flag=flag) for name in columns), "deleted_at"] for columns in COUNT_INDEXES
    ]


def _index_name(columns: list[str]) -> str:
    return op.f(f"ix_products_{'_'.join(columns)}")


def _swap_indexes(old: str, new: str) -> None:
    for columns in _indexes(old):
        op.drop_index(_index_name(columns), table_name="products")
    for columns in _indexes(new):
        op.create_index(
            _index_name(columns),
            "products",
            columns,
            sqlite_where=sa.text(LISTED),
            postgresql_where=sa.text(LISTED),
        )


def upgrade() -> None:
    op.add_column(
        "products", sa.Column("in_stock", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    # A new column no reader knows yet: filling it is no change to the catalog, so the change
    # log's trigger stays out of it (it would log one change per product).
    if sqlite:
        op.execute("DROP TRIGGER products_change_update")
        op.execute("UPDATE products SET in_stock = 1 WHERE stock > 0")
        op.execute(
            "CREATE TRIGGER products_change_update AFTER UPDATE ON products BEGIN "
            "UPDATE catalog_state SET version = version + 1 WHERE id = 1; "
            "INSERT INTO catalog_changes (version, product_id) "
            "SELECT version, NEW.id FROM catalog_state WHERE id = 1; END"
        )
        for event in ("INSERT", "UPDATE OF stock, in_stock"):
            op.execute(
                f"CREATE TRIGGER products_in_stock_{event.split()[0].lower()} AFTER {event} "
                f"ON products WHEN {WRONG_FLAG} BEGIN "
                "UPDATE products SET in_stock = NEW.stock > 0 WHERE id = NEW.id; END"
            )
    else:
        op.execute("ALTER TABLE products DISABLE TRIGGER products_change")
        op.execute("UPDATE products SET in_stock = true WHERE stock > 0")
        op.execute("ALTER TABLE products ENABLE TRIGGER products_change")
        op.execute(
            """
            CREATE FUNCTION products_in_stock() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.in_stock := NEW.stock > 0;
                RETURN NEW;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER products_in_stock BEFORE INSERT OR UPDATE OF stock, in_stock "
            f"ON products FOR EACH ROW WHEN ({WRONG_FLAG.replace('<>', 'IS DISTINCT FROM')}) "
            "EXECUTE FUNCTION products_in_stock()"
        )
    _swap_indexes("stock", "in_stock")


def downgrade() -> None:
    _swap_indexes("in_stock", "stock")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER products_in_stock_insert")
        op.execute("DROP TRIGGER products_in_stock_update")
    else:
        op.execute("DROP TRIGGER products_in_stock ON products")
        op.execute("DROP FUNCTION products_in_stock()")
    op.drop_column("products", "in_stock")
