"""The outbox's sender in real `shopkeep store` processes: killed with SIGKILL in the middle of
a batch and started again, nothing is lost and a message sent again has the same Message-ID;
two processes on one outbox never send a message twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from shopkeep import jobs
from shopkeep.db import Database, Tx
from shopkeep.mail import service as mail
from tests.conftest import WEBHOOK_SECRET
from tests.mail.helpers import DETAILS, KEYBOARD, pay, placed
from tests.postgres import free_port
from tests.servers import Server, running, running_store
from tests.smtp import Received, SmtpServer

pytestmark = pytest.mark.slow


@contextmanager
def store_process(env: dict[str, str]) -> Iterator[Server]:
    """`shopkeep store` on a free loopback port, to be killed."""
    port = free_port()
    args = ("store", "--host", "127.0.0.1", "--port", str(port))
    with running(args, env, url=f"http://127.0.0.1:{port}") as server:
        yield server


def sender_env(database_url: str, data_dir: str, smtp: SmtpServer) -> dict[str, str]:
    return {
        "SHOPKEEP_DATA_DIR": data_dir,
        "SHOPKEEP_DATABASE_URL": database_url,
        "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SHOPKEEP_SMTP_URL": smtp.url,
        "SHOPKEEP_SHOP_EMAIL": "owner@shop.example",
        "SHOPKEEP_MAIL_POLL_SECONDS": "0.1",
        "SHOPKEEP_MAIL_LEASE_SECONDS": "1",
        "SHOPKEEP_MAIL_FIRST_RETRY_SECONDS": "0.1",
        "SHOPKEEP_MAIL_MAX_RETRY_SECONDS": "0.5",
        "SHOPKEEP_SMTP_TIMEOUT_SECONDS": "5",
    }


async def states(database: Database) -> dict[str, str]:
    async def read(tx: Tx) -> dict[str, str]:
        rows = await tx.execute(select(mail.OUTBOX.c.id, mail.OUTBOX.c.state))
        return {row.id: row.state for row in rows}

    return await database.read(read)


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, seconds: float = 30.0
) -> None:
    """Poll another process's work until `check` holds (nothing in this process to await)."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def paid_orders(client: httpx.AsyncClient, count: int) -> None:
    for n in range(count):
        order = await placed(client, (KEYBOARD, 1), details={**DETAILS, "name": f"Customer {n}"})
        await pay(client, order)


async def test_a_sender_killed_mid_batch_loses_nothing_and_resends_with_the_same_message_id(
    client: httpx.AsyncClient,
    database: Database,
    database_url: str,
    smtp: SmtpServer,
    tmp_path: Path,
) -> None:
    await paid_orders(client, 3)
    expected = set(await states(database))
    assert len(expected) == 6
    held: list[Received] = []

    def hold_the_fourth(received: Received) -> bool:
        if len(smtp.inbox.received) == 4:
            held.append(received)
            return True
        return False

    smtp.inbox.hold = hold_the_fourth
    env = sender_env(database_url, str(tmp_path), smtp)
    with store_process(env) as server:
        await smtp.inbox.arrived(4)
        # SIGKILL while the fourth message waits for the SMTP server's answer.
        server.kill()
    smtp.inbox.hold = None
    smtp.inbox.released.set()
    unfinished = {i for i, state in (await states(database)).items() if state != jobs.DONE}
    assert unfinished, "the kill came after every message was finished"

    with running_store(env):

        async def all_done() -> bool:
            return set((await states(database)).values()) == {jobs.DONE}

        await eventually(all_done, "every message to be sent")
    received = smtp.inbox.received
    ids = Counter(r.message_id for r in received)
    assert {i.strip("<>").split("@")[0] for i in ids} == expected  # nothing lost
    # Only what was unfinished at the kill went out again, under its own Message-ID.
    again = {i for i, n in ids.items() if n > 1}
    assert {i.strip("<>").split("@")[0] for i in again} <= unfinished
    [first] = held
    copies = [r for r in received if r.message_id == first.message_id]
    assert len(copies) == 2
    assert copies[0].message.as_bytes() == copies[1].message.as_bytes()


async def test_two_store_processes_on_one_outbox_send_each_message_once(
    client: httpx.AsyncClient,
    database: Database,
    database_url: str,
    smtp: SmtpServer,
    tmp_path: Path,
) -> None:
    env = sender_env(database_url, str(tmp_path), smtp)
    with running_store(env), running_store(env):
        await paid_orders(client, 8)  # both processes find them at once
        await smtp.inbox.arrived(16)

        async def all_done() -> bool:
            return set((await states(database)).values()) == {jobs.DONE}

        await eventually(all_done, "every message to be recorded as sent")
    ids = Counter(r.message_id for r in smtp.inbox.received)
    assert len(ids) == 16
    assert set(ids.values()) == {1}
