"""Database access: one transaction per unit of work, on SQLite or PostgreSQL.

Services are plain `async def` functions taking a `Tx` first. The boundary (an endpoint, a CLI
command, a background task) runs them with `Database.read` or `Database.write`, which open the
transaction, commit or roll back, and retry when the database asks for it.

SQLite runs in-process: its calls take microseconds, so they run directly on the event loop
rather than paying a hop to a worker thread per statement. Writes are serialized inside a
process and committed in groups (see `SQLiteDatabase.write`), taking SQLite's write lock up
front (`BEGIN IMMEDIATE`); when another process holds it, the transaction is retried after an
asynchronous, jittered pause, so contention costs latency, never a "database is locked" error.
PostgreSQL uses asyncpg, which is natively asynchronous; deadlocks and serialization failures
are retried the same way.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from abc import ABC, abstractmethod
from collections import namedtuple
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, NamedTuple, ParamSpec, Protocol, TypeVar, cast

from sqlalchemy import DateTime, Dialect, MetaData, Select, create_engine, event
from sqlalchemy.engine import Connection, CursorResult, Engine, RootTransaction
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.base import Executable
from sqlalchemy.types import TypeDecorator

from shopkeep.errors import ServiceUnavailable

P = ParamSpec("P")
T = TypeVar("T")
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
# A SELECT of any columns (SQLAlchemy types selects by the tuple of their column types).
AnySelect = Select[*tuple[Any, ...]]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are 32-bit integers in the database.
MAX_ID = 2**31 - 1
MIN_ID = -(2**31)

# How long a transaction keeps retrying against a busy database before giving up with a 503.
BUSY_DEADLINE_SECONDS = 30.0
DEFAULT_POOL_SIZE = 32  # PostgreSQL connections kept per process (`SHOPKEEP_DB_POOL_SIZE`)
RETRYABLE_PG_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite keeps no zone, so it stores UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        # SQLite keeps the fields as text, whatever their zone (SQLAlchemy writes them out).
        return value if value.tzinfo is UTC else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Rows(Protocol):
    """What a hot statement's result offers (a `CursorResult` is one)."""

    @property
    def rowcount(self) -> int: ...

    def all(self) -> Sequence[Any]: ...

    def scalar(self) -> Any: ...


class Prepared:
    """A statement on the hot path: on SQLite it is compiled once (per set of parameter names)
    and run straight through the driver, without SQLAlchemy's work per execution, which costs
    several times the statement itself; on PostgreSQL it runs as any other statement.

    Its parameters are named bind parameters (or, for an INSERT, its columns); defaults of
    columns left out must be plain values. Results have no ORM entities: plain columns only.
    """

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}

    def plan(self, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            plan = _Plan.compile(self.statement, dialect, keys)
            self._plans[dialect.name, keys] = plan
        return plan


class _Plan(NamedTuple):
    """A statement compiled for SQLite: its SQL, where each positional parameter comes from
    (a caller's parameter, else a value fixed in the statement or a column default) and how it
    and each result column are converted."""

    sql: str
    binds: tuple[tuple[str | None, Any, Callable[[Any], Any] | None], ...]
    row: Any  # a named tuple class, or None for a statement that returns no rows
    converters: tuple[Callable[[Any], Any] | None, ...] | None

    @classmethod
    def compile(cls, statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
        compiled: Any = cast(Any, statement).compile(dialect=dialect, column_keys=list(keys))
        if compiled.update_prefetch:
            raise ValueError("columns updated by default cannot be prepared; set them")
        defaults = {}
        for column in compiled.insert_prefetch:
            default = column.default
            if default is None or not default.is_scalar:
                raise ValueError(f"{column.key} has no plain default; pass it")
            defaults[column.key] = default.arg
        binds = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            if bind.expanding or bind.callable is not None:
                raise ValueError(f"parameter {name} cannot be prepared")
            convert = bind.type._cached_bind_processor(dialect)
            if bind.key in keys:
                binds.append((bind.key, None, convert))
            else:
                value = defaults.get(bind.key, bind.value)
                binds.append((None, value if convert is None else convert(value), None))
        row: Any = None
        converters = None
        if compiled._result_columns:
            names = [column.keyname for column in compiled._result_columns]
            row = _row_class(names)
            found = [
                column.type._cached_result_processor(dialect, None)
                for column in compiled._result_columns
            ]
            converters = tuple(found) if any(found) else None
        return cls(compiled.string, tuple(binds), row, converters)

    def parameters(self, given: Mapping[str, Any]) -> tuple[Any, ...]:
        values = []
        for key, value, convert in self.binds:
            if key is not None:
                value = given[key]
                if convert is not None:
                    value = convert(value)
            values.append(value)
        return tuple(values)

    def rows(self, fetched: Sequence[Any]) -> list[Any]:
        make = self.row._make
        converters = self.converters
        if converters is None:
            return [make(row) for row in fetched]
        return [
            make(
                value if convert is None else convert(value)
                for value, convert in zip(row, converters, strict=True)
            )
            for row in fetched
        ]


def _row_class(names: list[str]) -> Any:
    """Rows whose columns read by name, as SQLAlchemy's do."""
    return namedtuple("Row", tuple(names), rename=True)


@dataclass(slots=True)
class _DriverRows:
    rowcount: int
    _rows: list[Any]

    def all(self) -> list[Any]:
        return self._rows

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


class Tx(ABC):
    """One open transaction; services run their statements through it.

    `memo` is a per-database, per-process dictionary where services may keep derived data
    (such as cached counts) that they validate against the database themselves.
    """

    dialect: str
    memo: dict[str, Any]

    @abstractmethod
    async def execute(self, statement: Executable, params: Params = None) -> CursorResult[Any]: ...

    async def scalar(self, statement: Executable, params: Params = None) -> Any:
        return (await self.execute(statement, params)).scalar()

    async def run(self, prepared: Prepared, params: Params = None) -> Rows:
        """Run a hot statement (see `Prepared`)."""
        return await self.execute(prepared.statement, params)

    async def driver_run(
        self, prepared: Prepared, params: Mapping[str, Any]
    ) -> Sequence[Sequence[Any]]:
        """The rows of `prepared` run as `driver_rows` runs SQL, on either database: for a large
        statement on PostgreSQL, where `run` would pay SQLAlchemy's work per execution."""
        plan = prepared.plan(self.sql_dialect, tuple(params))
        return await self.driver_rows(plan.sql, plan.parameters(params))

    @property
    @abstractmethod
    def sql_dialect(self) -> Dialect: ...

    @abstractmethod
    async def driver_rows(self, sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
        """The rows of `sql`, written in the driver's own parameter style (`?` on SQLite, `$1`
        on PostgreSQL), run by the driver itself in this transaction: for the few reads run on
        nearly every request whose SQL differs by dialect (a `Prepared` statement is the same
        on both, and goes through the driver on SQLite only)."""


class _SyncTx(Tx):
    dialect = "sqlite"

    def __init__(self, connection: Connection, memo: dict[str, Any]) -> None:
        self.connection = connection
        self.memo = memo
        self.driver = cast(sqlite3.Connection, connection.connection.dbapi_connection)
        # Looked up once per transaction: whether anything listens to statements (tests
        # counting them, tracing), to be told of the hot statements too, as SQLAlchemy would.
        self._traced = bool(connection.dispatch.before_cursor_execute)

    async def execute(self, statement: Executable, params: Params = None) -> CursorResult[Any]:
        return self.connection.execute(statement, params)

    @property
    def sql_dialect(self) -> Dialect:
        return self.connection.dialect

    async def driver_rows(self, sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
        if self._traced:
            _announce(self.connection, sql, params)
        rows: list[Sequence[Any]] = self.driver.execute(sql, params).fetchall()
        return rows

    async def run(self, prepared: Prepared, params: Params = None) -> Rows:
        dialect = self.connection.dialect
        values: Any
        if params is None or type(params) is dict or isinstance(params, Mapping):
            one: Mapping[str, Any] = params or {}
            plan = prepared.plan(dialect, tuple(one))
            values, many = plan.parameters(one), False
        else:
            plan = prepared.plan(dialect, tuple(params[0]))
            values, many = [plan.parameters(one) for one in params], True
        cursor = self.driver.cursor()
        if self._traced:
            _announce(self.connection, plan.sql, values, cursor=cursor, many=many)
        try:
            if many:
                cursor.executemany(plan.sql, values)
            else:
                cursor.execute(plan.sql, values)
            fetched = [] if plan.row is None else plan.rows(cursor.fetchall())
            return _DriverRows(cursor.rowcount, fetched)
        except sqlite3.Error as error:
            raise DBAPIError.instance(plan.sql, values, error, sqlite3.Error) from error
        finally:
            cursor.close()


class _AsyncTx(Tx):
    dialect = "postgresql"

    def __init__(
        self, connection: AsyncConnection, memo: dict[str, Any], *, autocommit: bool = False
    ) -> None:
        self._connection = connection
        self.memo = memo
        self._autocommit = autocommit

    async def execute(self, statement: Executable, params: Params = None) -> CursorResult[Any]:
        return await self._connection.execute(statement, params)

    @property
    def sql_dialect(self) -> Dialect:
        return self._connection.dialect

    async def driver_rows(self, sql: str, params: Sequence[Any]) -> Sequence[Sequence[Any]]:
        if not self._autocommit:
            # SQLAlchemy opens the transaction at its first statement: let it run this one.
            return (await self._connection.exec_driver_sql(sql, tuple(params))).all()
        _announce(self._connection.sync_connection, sql, params)
        driver = (await self._connection.get_raw_connection()).driver_connection
        assert driver is not None
        rows: Sequence[Sequence[Any]] = await driver.fetch(sql, *params)
        return rows


def _announce(
    connection: Connection | None,
    sql: str,
    params: Any,
    *,
    cursor: Any = None,
    many: bool = False,
) -> None:
    """Tell the engine's `before_cursor_execute` listeners (logging, statement counts) of a
    statement the driver runs on its own."""
    if connection is not None:
        connection.dispatch.before_cursor_execute(connection, cursor, sql, params, None, many)


Work = Callable[Concatenate[Tx, P], Awaitable[T]]


class Database(ABC):
    url: str
    memo: dict[str, Any]

    @property
    @abstractmethod
    def dialect(self) -> str: ...

    @abstractmethod
    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `work` in a read-only transaction."""

    async def read_apart(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `work`, a read whose statements need not share one snapshot: on PostgreSQL each
        statement runs on its own (as in READ COMMITTED, where they never share one anyway),
        without the round trips of BEGIN and COMMIT; on SQLite as `read`."""
        return await self.read(work, *args, **kwargs)

    @abstractmethod
    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `work` in a transaction: committed when it returns, rolled back when it raises."""

    @abstractmethod
    async def close(self) -> None: ...

    def pool_status(self) -> dict[str, int]:
        """This process's connections by state, for `/metrics`."""
        return {}


@dataclass(slots=True)
class _Write:
    """One caller's unit of work, waiting for the group commit that will carry it."""

    work: Callable[[Tx], Awaitable[Any]]
    done: asyncio.Future[Any]


class SQLiteDatabase(Database):
    def __init__(self, url: str, *, synchronous: str = "FULL") -> None:
        self.url = url
        self.engine = sqlite_engine(url, synchronous=synchronous)
        self.memo = {}
        # Open connections kept for reuse, by how their transactions begin: cheaper than a
        # pool checkout and an options change per transaction.
        self._idle: dict[str, list[Connection]] = {"DEFERRED": [], "IMMEDIATE": []}
        self._waiting: list[_Write] = []
        self._committer: asyncio.Task[None] | None = None
        self._commit_thread: ThreadPoolExecutor | None = None

    @property
    def dialect(self) -> str:
        return "sqlite"

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._run("DEFERRED", work, *args, **kwargs)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Writes are committed in groups: the writes waiting when the database is free run
        one after another in one transaction (each in a savepoint of it when one must be
        undone alone), so one sync to disk makes them all durable. Each caller gets its own
        result or error, and only after that commit, exactly as if its work had run in a
        transaction of its own."""

        async def unit(tx: Tx) -> T:
            return await work(tx, *args, **kwargs)

        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Write(unit, done))
        if self._committer is None:
            self._committer = asyncio.create_task(self._commit_waiting())
        return await done

    async def _commit_waiting(self) -> None:
        try:
            await asyncio.sleep(0)  # writers about to call write() join the first group
            while self._waiting:
                group, self._waiting = self._waiting, []
                try:
                    await self._commit_group(group)
                except BaseException:  # cancelled (shutdown): nobody may wait forever
                    for write in group + self._waiting:
                        write.done.cancel()
                    self._waiting = []
                    raise
        finally:
            self._committer = None

    async def _commit_group(self, group: list[_Write]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            try:
                # Savepoints cost a checkout about a seventh of its time: a group runs without
                # them, unless a write must be undone alone.
                await self._run("IMMEDIATE", _run_group, group, outcomes, savepoints=False)
            except _UndoNeeded:
                await self._run("IMMEDIATE", _run_group, group, outcomes, savepoints=True)
        except Exception as error:  # the transaction itself failed: so did every write in it
            outcomes = [(False, error)] * len(group)
        for write, (succeeded, value) in zip(group, outcomes, strict=True):
            if write.done.done():  # the caller has gone away
                continue
            if succeeded:
                write.done.set_result(value)
            else:
                write.done.set_exception(value)

    async def _run(self, begin: str, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        backoff = _Backoff()
        idle = self._idle[begin]
        while True:
            connection = idle.pop() if idle else self._connect(begin)
            try:
                transaction = connection.begin()
                try:
                    result = await work(_SyncTx(connection, self.memo), *args, **kwargs)
                    if begin == "IMMEDIATE":
                        await self._commit_apart(transaction)
                    else:
                        transaction.commit()
                except BaseException:
                    if transaction.is_active:
                        transaction.rollback()
                    raise
                return result
            except (OperationalError, sqlite3.OperationalError) as error:
                # SQLite's own error comes straight from BEGIN (see sqlite_engine), SQLAlchemy's
                # from statements.
                if not _sqlite_busy(error):
                    raise
            finally:
                if connection.invalidated or connection.closed:
                    connection.close()
                else:
                    idle.append(connection)
            await backoff.pause()

    async def _commit_apart(self, transaction: RootTransaction) -> None:
        """Commit a write transaction in a thread of its own: while it syncs to disk, the
        event loop answers other requests (reads go on, the next group gathers). A caller
        cancelled meanwhile still waits for the commit, which SQLite never leaves half-done."""
        if self._commit_thread is None:
            self._commit_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-commit")
        committing = self._commit_thread.submit(transaction.commit)
        try:
            await asyncio.wrap_future(committing)
        except asyncio.CancelledError:
            committing.result()
            raise

    def _connect(self, begin: str) -> Connection:
        return self.engine.connect().execution_options(sqlite_begin=begin)

    def pool_status(self) -> dict[str, int]:
        idle = sum(len(connections) for connections in self._idle.values())
        return {"idle": idle, "waiting_writes": len(self._waiting)}

    async def close(self) -> None:
        if self._committer is not None:
            await self._committer
        for idle in self._idle.values():
            while idle:
                idle.pop().close()
        if self._commit_thread is not None:
            self._commit_thread.shutdown()
        self.engine.dispose()


class _UndoNeeded(Exception):
    """A write of a group run without savepoints failed after it had changed rows."""


async def _run_group(
    tx: Tx, group: list[_Write], outcomes: list[tuple[bool, Any]], *, savepoints: bool
) -> None:
    """Run the writes one after another, each with its own outcome; one that fails leaves no
    trace. Without savepoints, a write that fails before it changed a row (most refusals: an
    unknown cart, too little stock) has nothing to undo, since each statement is atomic; one
    that fails after changing rows raises _UndoNeeded, for the group to run again with each
    write in a savepoint."""
    assert isinstance(tx, _SyncTx)
    # Savepoints straight through the driver: SQLAlchemy's own cost more than the SQL they run.
    driver = tx.driver
    outcomes.clear()  # a transaction retried after a busy database starts over
    for write in group:
        if savepoints:
            driver.execute("SAVEPOINT write")
        changed = driver.total_changes  # rows changed so far, by statements and triggers
        try:
            value = await write.work(tx)
        except Exception as error:
            if savepoints:
                driver.execute("ROLLBACK TO write")
            elif driver.total_changes != changed or not driver.in_transaction:
                raise _UndoNeeded() from error
            outcomes.append((False, error))
        else:
            outcomes.append((True, value))
        if savepoints:
            driver.execute("RELEASE write")


class PostgresDatabase(Database):
    def __init__(self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url, pool_size=pool_size, max_overflow=max(pool_size // 4, 1)
        )
        # The same pool, its connections in autocommit while they serve `read_apart`.
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.memo = {}

    @property
    def dialect(self) -> str:
        return "postgresql"

    async def read(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self.engine.connect() as connection, connection.begin():
            return await work(_AsyncTx(connection, self.memo), *args, **kwargs)

    async def read_apart(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._autocommit.connect() as connection:
            return await work(_AsyncTx(connection, self.memo, autocommit=True), *args, **kwargs)

    async def write(self, work: Work[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        backoff = _Backoff()
        while True:
            try:
                async with self.engine.connect() as connection, connection.begin():
                    return await work(_AsyncTx(connection, self.memo), *args, **kwargs)
            except DBAPIError as error:
                if _pg_state(error) not in RETRYABLE_PG_STATES:
                    raise
            await backoff.pause()

    def pool_status(self) -> dict[str, int]:
        pool = self.engine.pool
        return {
            "size": pool.size(),  # type: ignore[attr-defined]
            "checked_out": pool.checkedout(),  # type: ignore[attr-defined]
            "overflow": pool.overflow(),  # type: ignore[attr-defined]
        }

    async def close(self) -> None:
        await self.engine.dispose()


class _Backoff:
    """Jittered exponential pauses, up to a deadline after which the request gets a 503."""

    def __init__(self, first: float = 0.001, cap: float = 0.05) -> None:
        self.delay = first
        self.cap = cap
        self.deadline = time.monotonic() + BUSY_DEADLINE_SECONDS

    async def pause(self) -> None:
        if time.monotonic() > self.deadline:
            raise ServiceUnavailable("The database is busy; please try again.")
        await asyncio.sleep(self.delay * random.uniform(0.5, 1.5))
        self.delay = min(self.delay * 2, self.cap)


def _sqlite_busy(error: OperationalError | sqlite3.OperationalError) -> bool:
    original = error.orig if isinstance(error, OperationalError) else error
    message = str(original).lower()
    return "locked" in message or "busy" in message


def _pg_state(error: DBAPIError) -> str | None:
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    cause = getattr(original, "__cause__", None)
    if state is None and cause is not None:
        state = getattr(cause, "sqlstate", None)
    return state if isinstance(state, str) else None


def sqlite_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    """A SQLite engine in WAL mode whose transactions begin the way each caller asks."""
    _ensure_parent_dir(url)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" event (below) decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Waiting happens in asyncio (see SQLiteDatabase._run), never blocking the event loop.
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        # Straight to the driver: this runs once per transaction, on the hot path.
        connection.connection.dbapi_connection.execute(f"BEGIN {mode}")  # type: ignore[union-attr]

    return engine


def _ensure_parent_dir(url: str) -> None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        Path(url.removeprefix(prefix)).parent.mkdir(parents=True, exist_ok=True)


def create_database(
    url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = DEFAULT_POOL_SIZE
) -> Database:
    if url.startswith("sqlite"):
        return SQLiteDatabase(url, synchronous=sqlite_synchronous)
    if url.startswith("postgresql"):
        return PostgresDatabase(url, pool_size=pool_size)
    raise ValueError(f"Unsupported database URL: {url!r} (use sqlite:/// or postgresql+asyncpg://)")
