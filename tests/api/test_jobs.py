"""Background jobs: taken under a lease by one worker at a time, retried, finished once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shopkeep import jobs
from shopkeep.db import Database, UTCDateTime, create_database, utcnow


class _Base(DeclarativeBase):
    metadata = MetaData()


class Chore(jobs.JobColumns, _Base):
    __tablename__ = "test_chores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    what: Mapped[str] = mapped_column(String(40))
    result: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[Any] = mapped_column(UTCDateTime)


CHORES = cast(Table, Chore.__table__)
FAST = jobs.Schedule(first_retry_seconds=0.001, max_retry_seconds=0.002, idle_poll_seconds=0.05)


@pytest.fixture
async def chores(database_url: str) -> AsyncIterator[Database]:
    database = create_database(database_url)

    async def create(tx: Any) -> None:
        if tx.dialect == "sqlite":
            _Base.metadata.create_all(tx.connection)
        await tx.execute(CHORES.delete())

    if database.dialect == "sqlite":
        await database.write(create)
    else:
        engine = database.engine  # type: ignore[attr-defined]
        async with engine.begin() as connection:
            await connection.run_sync(_Base.metadata.create_all)
            await connection.execute(CHORES.delete())
    yield database
    await database.close()


async def add(database: Database, *whats: str) -> None:
    async def work(tx: Any) -> None:
        now = utcnow()
        for what in whats:
            await tx.execute(insert(CHORES).values(what=what, next_attempt_at=now, created_at=now))

    await database.write(work)


async def rows(database: Database) -> list[Mapping[str, Any]]:
    async def work(tx: Any) -> list[Mapping[str, Any]]:
        return list((await tx.execute(select(CHORES).order_by(CHORES.c.id))).mappings())

    return await database.read(work)


async def test_each_job_is_done_once_by_one_of_several_workers(chores: Database) -> None:
    await add(chores, *(f"chore {n}" for n in range(30)))
    done: list[str] = []

    async def work(row: Mapping[str, Any]) -> Mapping[str, Any]:
        done.append(row["what"])
        await asyncio.sleep(0)
        return {"result": "ok"}

    workers = [jobs.Worker(chores, CHORES, work, FAST) for _ in range(3)]
    await asyncio.gather(*(worker.run_due() for worker in workers))
    assert sorted(done) == sorted(f"chore {n}" for n in range(30))
    assert {(r["state"], r["result"], r["attempts"]) for r in await rows(chores)} == {
        (jobs.DONE, "ok", 1)
    }


async def test_a_failing_job_is_retried_with_its_error_kept_then_done(chores: Database) -> None:
    await add(chores, "flaky")
    calls = 0

    async def work(row: Mapping[str, Any]) -> None:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConnectionError("provider away")

    worker = jobs.Worker(chores, CHORES, work, jobs.Schedule(first_retry_seconds=60))
    await worker.run_due()
    [row] = await rows(chores)
    assert (row["state"], row["attempts"], row["last_error"]) == (
        jobs.WAITING,
        1,
        "ConnectionError: provider away",
    )
    assert row["next_attempt_at"] > utcnow() + timedelta(seconds=20)
    assert await worker.run_due() == 0  # not due before its backoff has passed

    async def fall_due(tx: Any) -> None:
        await tx.execute(update(CHORES).values(next_attempt_at=utcnow()))

    for _ in range(2):
        await chores.write(fall_due)
        await worker.run_due()
    [row] = await rows(chores)
    assert (row["state"], row["attempts"], row["last_error"]) == (jobs.DONE, 3, None)


async def test_giving_up_fails_the_job_and_retry_now_puts_it_back(chores: Database) -> None:
    await add(chores, "hopeless")

    async def refuse(row: Mapping[str, Any]) -> None:
        raise jobs.GiveUp("the address does not exist")

    await jobs.Worker(chores, CHORES, refuse, FAST).run_due()
    [row] = await rows(chores)
    assert (row["state"], row["last_error"]) == (jobs.FAILED, "the address does not exist")
    assert await chores.write(jobs.retry_now, CHORES, row["id"])

    async def accept(row: Mapping[str, Any]) -> None:
        return None

    assert await jobs.Worker(chores, CHORES, accept, FAST).run_due() == 1
    [row] = await rows(chores)
    assert row["state"] == jobs.DONE
    assert not await chores.write(jobs.retry_now, CHORES, row["id"])


async def test_a_leased_job_is_not_taken_until_its_lease_lapses(chores: Database) -> None:
    await add(chores, "in hand")

    async def lease(tx: Any) -> None:
        await tx.execute(update(CHORES).values(leased_until=utcnow() + timedelta(seconds=60)))

    await chores.write(lease)
    taken: list[str] = []

    async def work(row: Mapping[str, Any]) -> None:
        taken.append(row["what"])

    worker = jobs.Worker(chores, CHORES, work, FAST)
    assert await worker.run_due() == 0

    async def lapse(tx: Any) -> None:
        await tx.execute(update(CHORES).values(leased_until=utcnow() - timedelta(seconds=1)))

    await chores.write(lapse)  # the process holding it died
    assert await worker.run_due() == 1
    assert taken == ["in hand"]


async def test_a_job_past_its_horizon_is_given_up(chores: Database) -> None:
    await add(chores, "old")

    async def age(tx: Any) -> None:
        await tx.execute(update(CHORES).values(created_at=utcnow() - timedelta(hours=2)))

    await chores.write(age)

    async def work(row: Mapping[str, Any]) -> None:
        raise TimeoutError()

    schedule = jobs.Schedule(give_up_after=timedelta(hours=1))
    await jobs.Worker(chores, CHORES, work, schedule).run_due()
    [row] = await rows(chores)
    assert (row["state"], row["last_error"]) == (jobs.FAILED, "TimeoutError")


async def test_a_stopped_worker_finishes_its_running_jobs_and_takes_no_new_one(
    chores: Database,
) -> None:
    await add(chores, "first")
    started, finish = asyncio.Event(), asyncio.Event()

    async def work(row: Mapping[str, Any]) -> Mapping[str, Any]:
        started.set()
        await finish.wait()
        return {"result": "finished"}

    worker = jobs.Worker(chores, CHORES, work, FAST)
    running = asyncio.create_task(worker.run())
    await started.wait()
    await add(chores, "second")  # due, but added after the stop was asked for
    stopping = asyncio.create_task(jobs.stop_between_jobs([worker], [running], 5.0))
    await asyncio.sleep(0.1)  # several polls' time: the stop waits for the running job
    assert not stopping.done()
    finish.set()
    await stopping
    assert [(r["what"], r["state"]) for r in await rows(chores)] == [
        ("first", jobs.DONE),
        ("second", jobs.WAITING),
    ]


async def test_a_job_still_running_at_the_timeout_is_cancelled_and_left_to_its_lease(
    chores: Database,
) -> None:
    await add(chores, "stuck")
    started = asyncio.Event()

    async def work(row: Mapping[str, Any]) -> Mapping[str, Any]:
        started.set()
        await asyncio.Event().wait()
        return {}

    worker = jobs.Worker(chores, CHORES, work, FAST)
    running = asyncio.create_task(worker.run())
    await started.wait()
    await jobs.stop_between_jobs([worker], [running], 0.05)
    assert running.cancelled()
    [row] = await rows(chores)
    assert row["state"] == jobs.WAITING and row["leased_until"] is not None
