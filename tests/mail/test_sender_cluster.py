"""Three `shopkeep store` processes on one database share the mail outbox: one of them is killed
with SIGKILL while it is sending, and every message is still delivered, each exactly once but
for the one that was in flight at the kill, sent again under its own Message-ID."""

from __future__ import annotations

import contextlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from shopkeep import jobs
from shopkeep.db import Database, Tx
from shopkeep.mail.service import OUTBOX
from tests.mail.test_sender_processes import (
    eventually,
    paid_orders,
    sender_env,
    states,
    store_process,
)
from tests.servers import Server
from tests.smtp import Inbox, Received, smtp_server

pytestmark = pytest.mark.slow

ORDERS = 6  # two messages each: the customer's and the shop's


class PeerInbox(Inbox):
    """Also notes which client connection sent each message."""

    def __init__(self) -> None:
        super().__init__()
        self.peers: list[tuple[str, int]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


async def leased(tx: Tx) -> set[str]:
    rows = await tx.execute(
        select(OUTBOX.c.id).where(
            OUTBOX.c.state == jobs.WAITING, OUTBOX.c.leased_until.is_not(None)
        )
    )
    return set(rows.scalars())


def owner_of_connection(local_port: int, candidates: list[Server]) -> Server:
    """The process whose socket is bound to 127.0.0.1:`local_port` (from /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == local_port:
                    inodes.add(fields[9])
    for server in candidates:
        fds = Path(f"/proc/{server.process.pid}/fd")
        for fd in fds.iterdir():
            with contextlib.suppress(OSError):
                if any(f"socket:[{inode}]" == str(fd.readlink()) for inode in inodes):
                    return server
    raise AssertionError(f"no store process holds the connection from port {local_port}")


async def test_a_store_killed_mid_send_among_three_leaves_every_message_sent_once(
    client: httpx.AsyncClient, database: Database, database_url: str, tmp_path: Path
) -> None:
    with smtp_server(started=False) as smtp:
        inbox = smtp.inbox = PeerInbox()
        held: list[Received] = []

        def hold_the_third(received: Received) -> bool:
            if len(inbox.received) == 3:
                held.append(received)
                return True
            return False

        inbox.hold = hold_the_third
        smtp.start()
        env = {
            **sender_env(database_url, str(tmp_path), smtp),
            "SHOPKEEP_SMTP_TIMEOUT_SECONDS": "30",
            # Long enough that the held message's lease outlives finding and killing its
            # sender on a busy machine; the others take its messages over once it lapses.
            "SHOPKEEP_MAIL_LEASE_SECONDS": "4",
        }
        with contextlib.ExitStack() as stores, ThreadPoolExecutor(3) as starting:
            servers = list(
                starting.map(lambda _: stores.enter_context(store_process(env)), range(3))
            )
            await paid_orders(client, ORDERS)  # all three processes are polling the outbox
            expected = set(await states(database))
            assert len(expected) == 2 * ORDERS
            await inbox.arrived(3)
            # What is being sent now: the held message among them, whose sender waits for
            # the answer to it and cannot finish (leases taken later are never sent twice).
            in_flight_at_kill = await database.read(leased)
            victim = owner_of_connection(inbox.peers[2][1], servers)
            victim.kill()  # SIGKILL while it waits for the answer to the third message
            inbox.hold = None
            inbox.released.set()

            async def all_done() -> bool:
                return set((await states(database)).values()) == {jobs.DONE}

            await eventually(all_done, "the other two to send every message")
        received = list(inbox.received)
    ids = Counter(r.message_id.strip("<>").split("@")[0] for r in received)
    assert set(ids) == expected  # nothing lost
    [in_flight] = held
    assert in_flight.message_id.strip("<>").split("@")[0] in in_flight_at_kill
    # Only what was being sent at the kill went out twice, identical, under one Message-ID
    # (the same message accepted twice is one message to a mail system).
    again = {i for i, n in ids.items() if n > 1}
    assert again <= in_flight_at_kill
    assert max(ids.values()) <= 2
    for message_id in again:
        first, second = (r for r in received if message_id in r.message_id)
        assert first.message.as_bytes() == second.message.as_bytes()
