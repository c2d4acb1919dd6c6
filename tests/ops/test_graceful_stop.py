"""SIGTERM stops a real `shopkeep store` gracefully: it stops accepting connections, finishes
the requests in flight (one of them still sending its body), and exits 0; nothing it answered
is lost."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select

from shopkeep.carts.models import Cart
from shopkeep.db import Database, Tx
from tests.conftest import WEBHOOK_SECRET
from tests.postgres import free_port
from tests.servers import eventually, running

pytestmark = pytest.mark.slow

KEYBOARD = 3
CLIENTS = 8


async def carts_in(tx: Tx) -> set[str]:
    return set((await tx.execute(select(Cart.id))).scalars())


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def test_sigterm_during_load_finishes_what_is_in_flight_and_exits_0(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "SHOPKEEP_DATA_DIR": str(tmp_path),
        "SHOPKEEP_DATABASE_URL": database_url,
        "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SHOPKEEP_LOG_FORMAT": "json",
        "SHOPKEEP_ACCESS_LOG": "true",
        "SHOPKEEP_SHUTDOWN_TIMEOUT_SECONDS": "10",
    }
    log_path = tmp_path / "store.log"
    args = ("store", "--host", "127.0.0.1", "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    acknowledged: list[str] = []
    with running(args, env, url=url, log_path=log_path) as server:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            cart_id = (await client.post("/cart")).json()["cart_id"]
            stop_load = asyncio.Event()
            under_load = asyncio.Event()

            async def shopper() -> None:
                # New carts until the server stops answering: each answer is a promise.
                while not stop_load.is_set():
                    try:
                        response = await client.post("/cart")
                    except httpx.TransportError:
                        return
                    if response.status_code == 200:
                        acknowledged.append(response.json()["cart_id"])
                    if len(acknowledged) >= 50:
                        under_load.set()

            load = [asyncio.create_task(shopper()) for _ in range(CLIENTS)]
            await asyncio.wait_for(under_load.wait(), timeout=30)

            # A request whose body is still on its way when the signal arrives.
            body = orjson.dumps({"product_id": KEYBOARD, "quantity": 2})
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            head = (
                f"POST /cart/{cart_id}/items HTTP/1.1\r\nHost: shop\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "X-Request-ID: held-request\r\n\r\n"
            )
            writer.write(head.encode() + body[:5])
            await writer.drain()
            await asyncio.sleep(0.2)  # the server has read the head: the request is in flight

            server.process.send_signal(signal.SIGTERM)
            # uvicorn closes its listening socket first.
            await asyncio.to_thread(
                eventually, lambda: True if not listening(port) else None, "the socket to close"
            )
            stop_load.set()
            writer.write(body[5:])
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout=10)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            await asyncio.gather(*load)
        code = await asyncio.to_thread(server.process.wait, 15)
    assert code == 0
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK", answer
    assert orjson.loads(rest.split(b"\r\n\r\n", 1)[1])["quantity"] == 2
    stored = await database.read(carts_in)
    assert len(acknowledged) >= 50
    assert set(acknowledged) <= stored  # every answered request was kept
    lines = [orjson.loads(line) for line in log_path.read_text().splitlines() if line]
    held = [line for line in lines if line.get("request_id") == "held-request"]
    assert [line["status"] for line in held if line["logger"] == "shopkeep.access"] == [200]
