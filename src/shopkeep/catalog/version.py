"""Reading the catalog version cheaply, as often as every request.

The version (kept by database triggers, see `CatalogState`) moves with every change to a
product or a category, made by any process. A reader that reads it before reading the catalog
gets data at least as new as that version, so whatever it keeps under the version is never
older than the catalog the version stands for.
"""

from __future__ import annotations

import asyncio
import sqlite3
from abc import ABC, abstractmethod
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

VERSION_SQL = "SELECT version FROM catalog_state WHERE id = 1"
# Where a database's probe is kept (`Database.memo`), opened at first use.
PROBE_MEMO = "catalog.version_probe"


class VersionProbe(ABC):
    @abstractmethod
    async def current(self) -> int:
        """The catalog version as committed now."""

    @abstractmethod
    async def close(self) -> None: ...


class SQLiteVersionProbe(VersionProbe):
    """SQLite says on its own when any other connection committed (`PRAGMA data_version`, a
    read of shared memory); only then is the version row read again."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._data_version: int | None = None
        self._version = 0

    async def current(self) -> int:
        return self.current_now()

    def current_now(self) -> int:
        (data_version,) = self._connection.execute("PRAGMA data_version").fetchone()
        if data_version != self._data_version:
            row = self._connection.execute(VERSION_SQL).fetchone()
            self._version = int(row[0]) if row else 0
            self._data_version = data_version
        return self._version

    async def close(self) -> None:
        self._connection.close()


class PostgresVersionProbe(VersionProbe):
    """One connection reads the version row for everyone: callers that arrive while a read is
    under way wait for the next read, which starts after they arrived."""

    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._connection: Any = None
        self._waiting: list[asyncio.Future[int]] = []
        self._reader: asyncio.Task[None] | None = None

    async def current(self) -> int:
        arrived: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append(arrived)
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_for_waiting())
        return await arrived

    async def _read_for_waiting(self) -> None:
        try:
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    version = await self._read()
                except Exception as error:
                    for waiter in group:
                        if not waiter.done():
                            waiter.set_exception(error)
                    continue
                for waiter in group:
                    if not waiter.done():
                        waiter.set_result(version)
        finally:
            self._reader = None

    async def _read(self) -> int:
        if self._connection is None or self._connection.is_closed():
            self._connection = await asyncpg.connect(self._dsn)
        try:
            value = await self._connection.fetchval(VERSION_SQL)
        except (asyncpg.PostgresConnectionError, OSError):
            await self._connection.close()
            self._connection = None
            raise
        return int(value or 0)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


def version_probe(database_url: str) -> VersionProbe:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("the catalog version of an in-memory database cannot be probed")
        return SQLiteVersionProbe(url.database)
    return PostgresVersionProbe(url.set(drivername="postgresql").render_as_string(False))


def probe_of(database: Any) -> VersionProbe | None:
    """The version probe of `database` (a `shopkeep.db.Database`), opened at first use; None for
    an in-memory database, whose changes no other process can make."""
    probe: VersionProbe | None = database.memo.get(PROBE_MEMO)
    if probe is None and PROBE_MEMO not in database.memo:
        try:
            probe = version_probe(database.url)
        except ValueError:
            probe = None
        database.memo[PROBE_MEMO] = probe
    return probe


async def close_probe(database: Any) -> None:
    probe = database.memo.pop(PROBE_MEMO, None)
    if probe is not None:
        await probe.close()
