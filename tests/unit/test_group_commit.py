"""SQLite group commit: concurrent writes share a transaction, yet each stands or falls alone."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, select

from shopkeep.carts.models import Cart
from shopkeep.db import SQLiteDatabase, Tx, utcnow
from shopkeep.errors import BadRequest
from shopkeep.migrate import upgrade


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[SQLiteDatabase]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    await asyncio.to_thread(upgrade, url)
    database = SQLiteDatabase(url)
    yield database
    await database.close()


async def add_cart(tx: Tx, cart_id: str, fail: bool) -> str:
    now = utcnow()
    await tx.execute(insert(Cart).values(id=cart_id, status="open", created_at=now, updated_at=now))
    if fail:
        raise BadRequest(f"refused {cart_id}")
    return cart_id


async def cart_ids(tx: Tx) -> set[str]:
    return set((await tx.execute(select(Cart.id))).scalars())


async def each_refused_or_added(
    database: SQLiteDatabase, write: Callable[[Tx, str, bool], Awaitable[str]], every: int
) -> None:
    """20 concurrent writes of carts, every `every`th refused: each gets its own outcome, and
    exactly the others' carts are there."""
    ids = [f"{n:032x}" for n in range(20)]
    outcomes = await asyncio.gather(
        *(database.write(write, cart_id, n % every == 0) for n, cart_id in enumerate(ids)),
        return_exceptions=True,
    )
    for n, (cart_id, outcome) in enumerate(zip(ids, outcomes, strict=True)):
        if n % every == 0:
            assert isinstance(outcome, BadRequest) and outcome.detail == f"refused {cart_id}"
        else:
            assert outcome == cart_id
    assert await database.read(cart_ids) == {c for n, c in enumerate(ids) if n % every}


def trace(database: SQLiteDatabase) -> list[str]:
    """Every statement the database's connections run from now on (none is open yet)."""
    statements: list[str] = []

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    event.listen(database.engine, "connect", on_connect)
    return statements


async def test_each_write_gets_its_own_result_and_a_failed_one_leaves_no_trace(
    database: SQLiteDatabase,
) -> None:
    await each_refused_or_added(database, add_cart, every=4)


async def test_refusals_that_changed_nothing_leave_the_rest_of_the_group_to_run_once(
    database: SQLiteDatabase,
) -> None:
    """A write refused before it changed a row has nothing to undo: its group runs straight
    through, each write once (a write that must be undone makes the group run again)."""
    calls: Counter[str] = Counter()
    statements = trace(database)

    async def refuse_or_add(tx: Tx, cart_id: str, refuse: bool) -> str:
        calls[cart_id] += 1
        if refuse:
            raise BadRequest(f"refused {cart_id}")
        return await add_cart(tx, cart_id, False)

    await each_refused_or_added(database, refuse_or_add, every=3)
    assert set(calls.values()) == {1}
    assert not [sql for sql in statements if sql.startswith("SAVEPOINT")]


async def test_one_write_undone_among_refusals_and_successes(database: SQLiteDatabase) -> None:
    """Refused before changing anything, after changing rows, or done: each as if alone."""
    ids = [f"{n:032x}" for n in range(12)]
    statements = trace(database)

    async def write(tx: Tx, n: int) -> str:
        if n % 4 == 1:
            raise BadRequest("refused early")
        return await add_cart(tx, ids[n], n % 4 == 2)

    outcomes = await asyncio.gather(
        *(database.write(write, n) for n in range(len(ids))), return_exceptions=True
    )
    for n, outcome in enumerate(outcomes):
        if n % 4 in (1, 2):
            assert isinstance(outcome, BadRequest)
        else:
            assert outcome == ids[n]
    assert await database.read(cart_ids) == {c for n, c in enumerate(ids) if n % 4 in (0, 3)}
    assert [sql for sql in statements if sql.startswith("SAVEPOINT")]


async def test_concurrent_writes_are_committed_together(database: SQLiteDatabase) -> None:
    commits = 0

    def count_commit(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(database.engine, "commit", count_commit)
    ids = [f"{n:032x}" for n in range(30)]
    assert await asyncio.gather(*(database.write(add_cart, c, False) for c in ids)) == ids
    assert 1 <= commits < 30  # fewer transactions than writes, each synced to disk once
    assert await database.read(cart_ids) == set(ids)


async def test_a_lone_write_is_committed_before_its_caller_resumes(
    database: SQLiteDatabase,
) -> None:
    assert await database.write(add_cart, "a" * 32, False) == "a" * 32
    # A second connection sees it: the transaction is committed, not merely pending.
    reader = SQLiteDatabase(database.url)
    try:
        assert await reader.read(cart_ids) == {"a" * 32}
    finally:
        await reader.close()
