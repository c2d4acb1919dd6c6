"""The catalog version moves with every change to a product or a category, and each move is
logged with the product it was for.

Catalog responses show every column of a product (stock too), so caches of them are valid only
while nothing changed at all; the log lets an in-memory index of the catalog catch up by
re-reading just the products that changed. Each move of the version writes exactly one log row
(so a reader can tell when rows it needs were pruned). On PostgreSQL the moves happen at commit
(deferred triggers), after a transaction has taken its product rows' locks: checkouts never
wait for the version row while holding a product another checkout needs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The version triggers of 0002, restored on the way down.
FILTERED = (
    "name, description, brand, category_id, price_cents, rating_tenths, seller_id, deleted_at"
)
LOG_ROW = (
    "INSERT INTO catalog_changes (version, product_id) "
    "SELECT version, {product} FROM catalog_state WHERE id = 1"
)
BUMP = "UPDATE catalog_state SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "catalog_changes",
        sa.Column("version", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_catalog_changes")),
    )
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()


def _sqlite_upgrade() -> None:
    for event in ("insert", "update", "delete", "stock"):
        op.execute(f"DROP TRIGGER IF EXISTS products_version_{event}")
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        op.execute(
            f"CREATE TRIGGER products_change_{event.lower()} AFTER {event} ON products BEGIN "
            f"{BUMP}; {LOG_ROW.format(product=f'{row}.id')}; END"
        )
    # Category names show in product pages; product counts move with products already.
    for event in ("INSERT", "UPDATE OF name", "DELETE"):
        op.execute(
            f"CREATE TRIGGER categories_change_{event.split()[0].lower()} AFTER {event} "
            f"ON categories BEGIN {BUMP}; {LOG_ROW.format(product='NULL')}; END"
        )


def _postgresql_upgrade() -> None:
    op.execute("DROP TRIGGER products_version_change ON products")
    op.execute("DROP TRIGGER products_version_stock ON products")
    op.execute(
        """
        CREATE FUNCTION catalog_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            moved bigint;
            product integer;
        BEGIN
            UPDATE catalog_state SET version = version + 1 WHERE id = 1
                RETURNING version INTO moved;
            IF TG_TABLE_NAME = 'products' THEN
                IF TG_OP = 'DELETE' THEN product := OLD.id; ELSE product := NEW.id; END IF;
            END IF;
            INSERT INTO catalog_changes (version, product_id) VALUES (moved, product);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER products_change AFTER INSERT OR UPDATE OR DELETE ON products "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_change()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER categories_change "
        "AFTER INSERT OR UPDATE OF name OR DELETE ON categories "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_change()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            "products_change_insert",
            "products_change_update",
            "products_change_delete",
            "categories_change_insert",
            "categories_change_update",
            "categories_change_delete",
        ):
            op.execute(f"DROP TRIGGER {name}")
        for event, table_event in (
            ("insert", "INSERT"),
            ("delete", "DELETE"),
            ("update", f"UPDATE OF {FILTERED}"),
        ):
            op.execute(
                f"CREATE TRIGGER products_version_{event} AFTER {table_event} ON products "
                f"BEGIN {BUMP}; END"
            )
        op.execute(
            "CREATE TRIGGER products_version_stock AFTER UPDATE OF stock ON products "
            f"WHEN (OLD.stock > 0) <> (NEW.stock > 0) BEGIN {BUMP}; END"
        )
    else:
        op.execute("DROP TRIGGER products_change ON products")
        op.execute("DROP TRIGGER categories_change ON categories")
        op.execute("DROP FUNCTION catalog_change()")
        op.execute(
            "CREATE TRIGGER products_version_change "
            f"AFTER INSERT OR DELETE OR UPDATE OF {FILTERED} ON products "
            "FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
        )
        op.execute(
            "CREATE TRIGGER products_version_stock AFTER UPDATE OF stock ON products FOR EACH ROW "
            "WHEN ((OLD.stock > 0) IS DISTINCT FROM (NEW.stock > 0)) "
            "EXECUTE FUNCTION catalog_version_bump()"
        )
    op.drop_table("catalog_changes")
