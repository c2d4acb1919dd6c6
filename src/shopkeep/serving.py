"""Running several ASGI apps in one process: `shopkeep serve` starts the shop this way."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator, Sequence

import uvicorn


class _Member(uvicorn.Server):
    """A server of a group: the group, not each server, answers Ctrl-C."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_together(configs: Sequence[uvicorn.Config]) -> None:
    """Serve every app until Ctrl-C or SIGTERM, or until one of them stops; then stop all.

    A second Ctrl-C stops at once, without waiting for open connections.
    """
    servers = [_Member(config) for config in configs]

    def stop() -> None:
        for server in servers:
            if server.should_exit:
                server.force_exit = True
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        tasks = [asyncio.create_task(server.serve()) for server in servers]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop()
        await asyncio.gather(*tasks)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
