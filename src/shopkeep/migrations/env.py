"""Alembic environment: runs on SQLite directly and on PostgreSQL through asyncpg."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shopkeep.models import Base

config = context.config
target_metadata = Base.metadata

# Objects the migrations create that SQLAlchemy models cannot describe: the SQLite full-text
# index (a virtual table and its shadow tables) and PostgreSQL's trigram indexes.
UNMODELLED_PREFIXES = ("products_search", "ix_products_name_trgm", "ix_products_description_trgm")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (reflected and name is not None and name.startswith(UNMODELLED_PREFIXES))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def _migrate(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_async(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_migrate)
    await engine.dispose()


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    if url.startswith("postgresql+asyncpg"):
        asyncio.run(_migrate_async(url))
    else:
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as conn:
            _migrate(conn)
        engine.dispose()


run()
