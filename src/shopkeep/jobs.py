"""Background work kept in tables: taken under a lease, retried with backoff, finished once.

Every piece of background work in the store (an email to send, a refund to ask the provider
for, ...) is a row written in the same transaction as what caused it, in a table with the
columns of `JobColumns`. Every process runs a `Worker` over each such table: it takes a due
row with a conditional update that sets a short lease (so two processes never work on the same
row at once), does the work outside any transaction, then finishes the row or schedules the
next try. A process that dies mid-job leaves a lease that lapses and the row is taken again by
whichever process looks next, so the work itself must be idempotent (a stable Message-ID, an
idempotency key), and is then done exactly once in effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Integer, String, Table, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from shopkeep.backoff import retry_delay
from shopkeep.db import Database, Tx, UTCDateTime, utcnow
from shopkeep.telemetry.metrics import JOBS

log = logging.getLogger(__name__)

# Job states: waiting (or being worked on, while leased), finished, given up.
WAITING = "waiting"
DONE = "done"
FAILED = "failed"

# What is kept of an error message, at most.
MAX_ERROR = 500


class JobColumns:
    """The columns every job table has, besides its own: mix into the table's model (its
    migration spells them out, as migrations do)."""

    state: Mapped[str] = mapped_column(String(16), default=WAITING, server_default=WAITING)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class GiveUp(Exception):
    """Raised by a job's work when trying again can never succeed: the row becomes `failed`."""


# The work of one job: given the row (all its columns), do it; raise to try again later
# (`GiveUp` to stop). What it returns is written to the row's own columns as it finishes.
Work = Callable[[Mapping[str, Any]], Awaitable[Mapping[str, Any] | None]]


@dataclass(frozen=True, slots=True)
class Schedule:
    lease: timedelta = timedelta(seconds=60)
    first_retry_seconds: float = 1.0
    max_retry_seconds: float = 300.0
    # Past this age a failing job is given up (None: never).
    give_up_after: timedelta | None = None
    batch: int = 20
    idle_poll_seconds: float = 1.0


def _due(table: Table, now: datetime) -> ColumnElement[bool]:
    c = table.c
    return and_(
        c.state == WAITING,
        c.next_attempt_at <= now,
        or_(c.leased_until.is_(None), c.leased_until < now),
    )


class Worker:
    """Works through the due rows of one job table: when kicked, and at every poll."""

    def __init__(
        self,
        database: Database,
        table: Table,
        work: Work,
        schedule: Schedule | None = None,
        *,
        created_column: str = "created_at",
    ) -> None:
        self.database = database
        self.table = table
        self.work = work
        self.schedule = schedule or Schedule()
        self._created = created_column
        self._wake = asyncio.Event()
        self._stopping = False

    def stop(self) -> None:
        """Take no new job: `run` returns once the jobs it is working on are finished."""
        self._stopping = True
        self._wake.set()

    def kick(self) -> None:
        """Look at the table now rather than at the next poll (after a commit that added work)."""
        self._wake.set()

    async def run(self) -> None:
        """Work until stopped (between jobs) or cancelled."""
        while not self._stopping:
            try:
                await self.run_due()
            except Exception:
                log.exception("jobs in %s could not be read; will try again", self.table.name)
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.schedule.idle_poll_seconds)
            self._wake.clear()

    async def run_due(self) -> int:
        """Take and work every row due now (a batch at a time); returns how many were worked."""
        worked = 0
        while not self._stopping:
            due = await self.database.read(self._due_ids)
            if not due:
                return worked
            results = await asyncio.gather(*(self.run_one(job_id) for job_id in due))
            taken = sum(results)
            worked += taken
            if taken == 0:  # every due row is leased by another process
                return worked
        return worked

    async def run_one(self, job_id: Any) -> bool:
        """One attempt at one row, if it is due and not leased; True if this call took it."""
        if self._stopping:
            return False
        row = await self.database.write(self._claim, job_id)
        if row is None:
            return False
        try:
            values = await self.work(row)
        except GiveUp as error:
            log.warning("%s %s given up: %s", self.table.name, job_id, error)
            await self.database.write(self._fail, job_id, str(error), None)
            JOBS.labels(self.table.name, "failed").inc()
        except Exception as error:
            log.warning(
                "%s %s attempt %d failed: %s", self.table.name, job_id, row["attempts"], error
            )
            retry_at = self._retry_at(row)
            await self.database.write(self._fail, job_id, _describe(error), retry_at)
            JOBS.labels(self.table.name, "retry" if retry_at else "failed").inc()
        else:
            await self.database.write(self._finish, job_id, values or {})
            JOBS.labels(self.table.name, "done").inc()
        return True

    def _retry_at(self, row: Mapping[str, Any]) -> datetime | None:
        schedule = self.schedule
        wait = retry_delay(
            row["attempts"], first=schedule.first_retry_seconds, cap=schedule.max_retry_seconds
        )
        next_at = utcnow() + timedelta(seconds=wait)
        created = row.get(self._created)
        horizon = schedule.give_up_after
        if horizon is not None and created is not None and next_at > created + horizon:
            return None
        return next_at

    async def _due_ids(self, tx: Tx) -> list[Any]:
        c = self.table.c
        rows = await tx.execute(
            select(c.id)
            .where(_due(self.table, utcnow()))
            .order_by(c.next_attempt_at)
            .limit(self.schedule.batch)
        )
        return list(rows.scalars())

    async def _claim(self, tx: Tx, job_id: Any) -> Mapping[str, Any] | None:
        now = utcnow()
        c = self.table.c
        taken = await tx.execute(
            update(self.table)
            .where(c.id == job_id, _due(self.table, now))
            .values(leased_until=now + self.schedule.lease, attempts=c.attempts + 1)
        )
        if taken.rowcount != 1:
            return None
        row = (await tx.execute(select(self.table).where(c.id == job_id))).mappings().one()
        return dict(row)

    async def _finish(self, tx: Tx, job_id: Any, values: Mapping[str, Any]) -> None:
        await tx.execute(
            update(self.table)
            .where(self.table.c.id == job_id)
            .values(**values, state=DONE, finished_at=utcnow(), leased_until=None, last_error=None)
        )

    async def _fail(self, tx: Tx, job_id: Any, error: str, next_at: datetime | None) -> None:
        values: dict[str, Any] = {"leased_until": None, "last_error": error[:MAX_ERROR]}
        if next_at is None:
            values.update(state=FAILED, finished_at=utcnow())
        else:
            values["next_attempt_at"] = next_at
        await tx.execute(update(self.table).where(self.table.c.id == job_id).values(**values))


class Stoppable(Protocol):
    def stop(self) -> None: ...


async def stop_between_jobs(
    workers: Sequence[Stoppable], tasks: Sequence[asyncio.Task[None]], seconds: float
) -> None:
    """Let the jobs being worked on finish (within `seconds`) and take no new one; a job still
    running then is cancelled, and its lease lets another process take it again."""
    for worker in workers:
        worker.stop()
    _done, late = await asyncio.wait(tasks, timeout=seconds)
    for task in late:
        log.warning("a background job did not finish in %.0f s: cancelled", seconds)
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def retry_now(tx: Tx, table: Table, job_id: Any) -> bool:
    """Put a failed (or waiting) job back in line to run at once; False if it is done."""
    c = table.c
    moved = await tx.execute(
        update(table)
        .where(c.id == job_id, c.state != DONE)
        .values(state=WAITING, next_attempt_at=utcnow(), finished_at=None)
    )
    return bool(moved.rowcount)


def _describe(error: Exception) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
