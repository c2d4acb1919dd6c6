"""A busy server takes every client waiting to connect at the next turn of its event loop.

Under uvloop, libuv accepts one connection per turn; behind a loop busy with costly requests
each turn is long, and the last of a burst of new clients waited for as many turns as there
were clients before its first request began.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import orjson
import pytest

from tests.postgres import free_port

BUSY_CLIENTS = 4
NEW_CLIENTS = 16
# Open files allowed to the server of the descriptor test: its own, and a few dozen clients.
DESCRIPTORS = 64

SERVE = """
import resource, sys, uvicorn
from shopkeep.serving import Server
if len(sys.argv) > 2:
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[2]),) * 2)
config = uvicorn.Config("tests.ops.busy_app:app", host="127.0.0.1", port=int(sys.argv[1]),
                        log_level="warning", loop="uvloop", http="httptools")
Server(config).run()
"""


@pytest.fixture
def port() -> Iterator[int]:
    yield from serving()


@pytest.fixture
def port_with_few_descriptors() -> Iterator[int]:
    yield from serving(DESCRIPTORS)


def serving(*limit: int) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(port), *map(str, limit)])
    try:
        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert process.poll() is None, "the server did not start"
            assert time.monotonic() < deadline, "the server did not listen within 20 s"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


async def get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> bytes:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: shop\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)


async def test_a_burst_of_new_clients_is_taken_in_one_turn_of_a_busy_loop(port: int) -> None:
    stop = asyncio.Event()
    loop_busy = asyncio.Event()
    served = 0

    async def busy_client() -> None:
        nonlocal served
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not stop.is_set():
            await get(reader, writer, "/busy")
            served += 1
            if served >= 3 * BUSY_CLIENTS:
                loop_busy.set()
        writer.close()

    busy = [asyncio.create_task(busy_client()) for _ in range(BUSY_CLIENTS)]
    await asyncio.wait_for(loop_busy.wait(), 20)  # every turn now holds the loop 4 x 20 ms

    async def new_client() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await get(reader, writer, "/ping")
        finally:
            writer.close()

    assert (
        await asyncio.gather(*(new_client() for _ in range(NEW_CLIENTS))) == [b"ok"] * NEW_CLIENTS
    )
    stop.set()
    await asyncio.gather(*busy)

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    began: list[str] = orjson.loads(await get(reader, writer, "/order"))
    writer.close()
    pings = [i for i, path in enumerate(began) if path == "/ping"]
    busy_between = began[pings[0] : pings[-1]].count("/busy")
    # Taken in one turn, the new clients' requests begin within a turn or two of each other;
    # taken one per turn, some 4 busy requests would run between each two of them.
    assert busy_between <= 3 * BUSY_CLIENTS, began[pings[0] : pings[-1] + 1]


async def test_a_server_out_of_descriptors_takes_clients_again_once_some_are_free(
    port_with_few_descriptors: int,
) -> None:
    port = port_with_few_descriptors
    held = []
    for _ in range(2 * DESCRIPTORS):  # more than the server may open: the kernel queues them
        held.append(await asyncio.open_connection("127.0.0.1", port))
    for _reader, writer in held:
        writer.close()
        await writer.wait_closed()

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        assert await asyncio.wait_for(get(reader, writer, "/ping"), 20) == b"ok"
    finally:
        writer.close()
