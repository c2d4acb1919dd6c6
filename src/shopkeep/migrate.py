"""Schema migrations, run programmatically (`shopkeep db upgrade`, `serve`, the tests).

The store and the payment sandbox keep separate schemas, each with its own migrations and its
own Alembic version table, so they can share a PostgreSQL database without meeting.

An upgrade is one transaction on both databases, so a process killed at any moment leaves the
schema at the revision it started from or at the new one, never between. SQLite can roll DDL
back, but Python's driver commits each DDL statement on its own unless the transaction is
begun explicitly: the migration engine does that (`BEGIN IMMEDIATE`). Processes that start
together on an empty database take turns: a file lock beside the SQLite file, an advisory lock
on PostgreSQL (held by the migration transaction), and whoever comes second finds the schema
up to date.
"""

from __future__ import annotations

import asyncio
import fcntl
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, event, pool, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import create_async_engine

PACKAGE = Path(__file__).parent
STORE_MIGRATIONS = PACKAGE / "migrations"
SANDBOX_MIGRATIONS = PACKAGE / "sandbox" / "migrations"


def alembic_config(url: str, migrations: Path = STORE_MIGRATIONS) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# How long a migration waits for a serving process to let go of SQLite's write lock.
SQLITE_BUSY_MS = 60_000


def upgrade(url: str, revision: str = "head", *, migrations: Path = STORE_MIGRATIONS) -> None:
    with migration_lock(url):
        command.upgrade(alembic_config(url, migrations), revision)


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """On SQLite, an exclusive lock on `<database>.migrate.lock` for the block (the kernel
    lets go of it when the process dies). PostgreSQL's lock is taken in the migration's own
    transaction (see `run_environment`)."""
    if not url.startswith("sqlite:///") or ":memory:" in url:
        yield
        return
    database = Path(url.removeprefix("sqlite:///"))
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{database}.migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _advisory_key(version_table: str) -> int:
    """A stable 32-bit key per schema, for `pg_advisory_xact_lock`."""
    return zlib.crc32(f"shopkeep-migrate:{version_table}".encode()) - 2**31


def sqlite_migration_engine(url: str) -> Engine:
    """A SQLite engine whose transactions really begin (`BEGIN IMMEDIATE`), so DDL is rolled
    back with everything else when a migration fails or its process dies."""
    engine = create_engine(url, poolclass=pool.NullPool)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # no implicit commits: we begin ourselves
        dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        # A new database becomes a WAL one here, under the migration lock. Left to the first
        # serving process, the switch needs the file to itself while the processes started
        # with it migrate or load the demo catalog, and their locks can outlast its wait.
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


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
        sqlite = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            include_object=include_object,
            render_as_batch=sqlite,
            # Every revision of one upgrade in one transaction, on SQLite too.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Released at commit; a second migrator then reads the new revision.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": _advisory_key(version_table)},
                )
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
        engine = sqlite_migration_engine(url)
        with engine.connect() as conn:
            migrate(conn)
        engine.dispose()
