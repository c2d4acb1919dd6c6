"""SQLite group commit: concurrent writes share a transaction, yet each stands or falls alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
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


async def test_each_write_gets_its_own_result_and_a_failed_one_leaves_no_trace(
    database: SQLiteDatabase,
) -> None:
    ids = [f"{n:032x}" for n in range(20)]
    outcomes = await asyncio.gather(
        *(database.write(add_cart, cart_id, n % 4 == 0) for n, cart_id in enumerate(ids)),
        return_exceptions=True,
    )
    for n, (cart_id, outcome) in enumerate(zip(ids, outcomes, strict=True)):
        if n % 4 == 0:
            assert isinstance(outcome, BadRequest) and outcome.detail == f"refused {cart_id}"
        else:
            assert outcome == cart_id
    assert await database.read(cart_ids) == {c for n, c in enumerate(ids) if n % 4 != 0}


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
