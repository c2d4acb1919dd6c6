"""Delivering callbacks to the store: at least once, signed, retried until acknowledged.

Every callback is in the database before anyone tries to send it. A sender first takes a
short lease on it (a conditional update, so two processes never send the same callback at
once), sends it, then records the attempt and either finishes the callback or schedules the
next try. A process that dies mid-send leaves a lease that lapses; the callback is sent again
by whichever process runs next, and the store's idempotency absorbs the repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import orjson
from sqlalchemy import ColumnElement, and_, insert, or_, select, update

from shopkeep import signature
from shopkeep.backoff import retry_delay
from shopkeep.config import Settings
from shopkeep.db import Database, Tx, utcnow
from shopkeep.sandbox.models import ABANDONED, DELIVERED, PENDING, Callback, DeliveryAttempt
from shopkeep.telemetry.metrics import JOBS

log = logging.getLogger(__name__)

# The store's answer that ends a delivery although it is not a 2xx: the order was settled
# by another payment (or this one, whose first answer was lost), so retrying changes nothing.
ALREADY_PROCESSED = "Order already processed"
# How often an idle sender looks for callbacks written by other processes.
IDLE_POLL_SECONDS = 1.0
BATCH = 20
# What is recorded of an error or a response body, at most.
MAX_RECORDED = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    url: str
    body: str
    attempt: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Result:
    status_code: int | None
    error: str | None
    duration_ms: int

    def ends_delivery(self) -> bool:
        if self.status_code is None:
            return False
        if 200 <= self.status_code < 300:
            return True
        return 400 <= self.status_code < 500 and ALREADY_PROCESSED in (self.error or "")


class Courier:
    """Sends what the outbox holds: now when asked (`deliver`), and in the background (`run`)
    for retries and for callbacks other processes left behind."""

    def __init__(
        self, database: Database, settings: Settings, client: httpx.AsyncClient | None = None
    ) -> None:
        self._database = database
        self._settings = settings
        self._client = client or httpx.AsyncClient(
            timeout=settings.callback_timeout_seconds, follow_redirects=False
        )
        self._owns_client = client is None
        self._wake = asyncio.Event()
        # Callbacks this process is sending now, and the outcome each attempt will have.
        self._sending: dict[int, asyncio.Future[bool]] = {}
        self._lease = timedelta(seconds=settings.callback_timeout_seconds + 5)
        self._stopping = False

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def kick(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Start no new delivery: `run` returns once the ones under way are finished."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver every due callback, then sleep until the next is due, a kick, or a poll;
        until stopped."""
        while not self._stopping:
            try:
                await self.deliver_due()
                pause = await self._database.read(_seconds_until_next_due)
            except Exception:
                log.exception("the callback outbox could not be read; will try again")
                pause = IDLE_POLL_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(pause, IDLE_POLL_SECONDS))
            self._wake.clear()

    async def deliver_due(self) -> None:
        due = await self._database.read(_due_callbacks)
        await asyncio.gather(*(self.deliver(callback_id) for callback_id in due))

    async def deliver(self, callback_id: int) -> bool:
        """One attempt at a due callback; True if it was delivered.

        If this process is already sending it, the outcome of that attempt is awaited and
        returned; if another process holds it, or it is not due, nothing is sent (False).
        """
        if (sending := self._sending.get(callback_id)) is not None:
            return await asyncio.shield(sending)
        attempt = asyncio.get_running_loop().create_future()
        self._sending[callback_id] = attempt
        try:
            delivered = await self._attempt(callback_id)
        except BaseException as error:
            attempt.set_exception(error)
            # Retrieved here, so a failure nobody else awaited is not reported twice.
            attempt.exception()
            raise
        else:
            attempt.set_result(delivered)
            return delivered
        finally:
            del self._sending[callback_id]

    async def _attempt(self, callback_id: int) -> bool:
        if self._stopping:
            return False
        claimed = await self._database.write(_claim, callback_id, self._lease)
        if claimed is None:
            return False
        result = await self._send(claimed)
        delivered = result.ends_delivery()
        if delivered:
            log.info("callback %d delivered (HTTP %s)", claimed.id, result.status_code)
        else:
            log.warning(
                "callback %d attempt %d failed: %s",
                claimed.id,
                claimed.attempt,
                result.error or f"HTTP {result.status_code}",
            )
        next_at = self._next_attempt(claimed)
        await self._database.write(_record, claimed, result, next_at)
        outcome = "done" if delivered else "retry" if next_at else "failed"
        JOBS.labels("sandbox_callbacks", outcome).inc()
        return delivered

    def _next_attempt(self, claimed: Claimed) -> datetime | None:
        """When to try again after a failure, or None once the retry horizon has passed."""
        settings = self._settings
        wait = retry_delay(
            claimed.attempt,
            first=settings.callback_first_retry_seconds,
            cap=settings.callback_max_retry_seconds,
        )
        next_at = utcnow() + timedelta(seconds=wait)
        horizon = claimed.created_at + timedelta(hours=settings.callback_retry_hours)
        return next_at if next_at <= horizon else None

    async def _send(self, claimed: Claimed) -> Result:
        body = claimed.body.encode()
        headers = {
            "Content-Type": "application/json",
            signature.HEADER: signature.sign(self._settings.resolved_webhook_secret, body),
        }
        started = time.perf_counter()
        try:
            response = await self._client.post(claimed.url, content=body, headers=headers)
        except httpx.HTTPError as failure:
            return Result(None, f"{type(failure).__name__}: {failure}"[:MAX_RECORDED], _ms(started))
        detail = None if response.is_success else _detail(response)
        return Result(response.status_code, detail, _ms(started))


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _detail(response: httpx.Response) -> str:
    try:
        detail = orjson.loads(response.content).get("detail")
    except (orjson.JSONDecodeError, AttributeError):
        detail = None
    text = detail if isinstance(detail, str) else response.text
    return text[:MAX_RECORDED]


def _claimable(now: datetime) -> ColumnElement[bool]:
    return and_(
        Callback.state == PENDING,
        Callback.next_attempt_at <= now,
        or_(Callback.leased_until.is_(None), Callback.leased_until < now),
    )


async def _due_callbacks(tx: Tx) -> list[int]:
    rows = await tx.execute(
        select(Callback.id)
        .where(_claimable(utcnow()))
        .order_by(Callback.next_attempt_at)
        .limit(BATCH)
    )
    return list(rows.scalars())


async def _seconds_until_next_due(tx: Tx) -> float:
    next_at = await tx.scalar(
        select(Callback.next_attempt_at)
        .where(Callback.state == PENDING)
        .order_by(Callback.next_attempt_at)
        .limit(1)
    )
    if next_at is None:
        return IDLE_POLL_SECONDS
    wait: float = (next_at - utcnow()).total_seconds()
    return max(0.0, wait)


async def _claim(tx: Tx, callback_id: int, lease: timedelta) -> Claimed | None:
    now = utcnow()
    taken = await tx.execute(
        update(Callback)
        .where(Callback.id == callback_id, _claimable(now))
        .values(leased_until=now + lease, attempts=Callback.attempts + 1)
    )
    if taken.rowcount != 1:
        return None
    row = (
        await tx.execute(
            select(Callback.url, Callback.body, Callback.attempts, Callback.created_at).where(
                Callback.id == callback_id
            )
        )
    ).one()
    return Claimed(callback_id, row.url, row.body, row.attempts, row.created_at)


async def _record(tx: Tx, claimed: Claimed, result: Result, next_at: datetime | None) -> None:
    now = utcnow()
    delivered = result.ends_delivery()
    outcome = DELIVERED if delivered else ("retry" if next_at else ABANDONED)
    await tx.execute(
        insert(DeliveryAttempt).values(
            callback_id=claimed.id,
            number=claimed.attempt,
            started_at=now - timedelta(milliseconds=result.duration_ms),
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            error=result.error,
            outcome=outcome,
        )
    )
    if delivered or next_at is None:
        values: dict[str, object] = {
            "state": outcome,
            "finished_at": now,
            "leased_until": None,
        }
    else:
        values = {"next_attempt_at": next_at, "leased_until": None}
    await tx.execute(update(Callback).where(Callback.id == claimed.id).values(**values))


async def owe_callback(
    tx: Tx, *, payment_id: str, url: str, body: str, now: datetime, refund_id: str | None = None
) -> int:
    """Write a callback the store is owed (for a payment, or one of its refunds) into the
    outbox, in the caller's transaction; returns its id."""
    callback_id = await tx.scalar(
        insert(Callback)
        .values(
            payment_id=payment_id,
            refund_id=refund_id,
            url=url,
            body=body,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .returning(Callback.id)
    )
    return int(callback_id)
