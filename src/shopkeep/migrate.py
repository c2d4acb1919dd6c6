"""Schema migrations, run programmatically (`shopkeep db upgrade`, `serve`, the tests).

The store and the payment sandbox keep separate schemas, each with its own migrations and its
own Alembic version table, so they can share a PostgreSQL database without meeting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

PACKAGE = Path(__file__).parent
STORE_MIGRATIONS = PACKAGE / "migrations"
SANDBOX_MIGRATIONS = PACKAGE / "sandbox" / "migrations"


def alembic_config(url: str, migrations: Path = STORE_MIGRATIONS) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", *, migrations: Path = STORE_MIGRATIONS) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url, migrations), revision)


def upgrade_sandbox(url: str) -> None:
    upgrade(url, migrations=SANDBOX_MIGRATIONS)


IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def run_environment(
    metadata: MetaData,
    *,
    version_table: str = "alembic_version",
    include_object: IncludeObject | None = None,
) -> None:
    """The body of an Alembic `env.py`: SQLite directly, PostgreSQL through asyncpg."""

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    async def migrate_async(url: str) -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        migrate(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    if url.startswith("postgresql+asyncpg"):
        asyncio.run(migrate_async(url))
    else:
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.connect() as conn:
            migrate(conn)
        engine.dispose()
