"""Running the shop's apps under uvicorn: one alone (`shopkeep store|web|payments`), or all
three at once (`shopkeep serve`), each in a process of its own.

Apart, a heavy request on one app cannot stall the others: each has its own event loop, its
own interpreter lock and its own memory. `serve` stays one command: Ctrl-C or SIGTERM stops
every app (a second one stops them at once), and when one app stops by itself the others are
stopped too, and `serve` exits with an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shopkeep.config import Settings
from shopkeep.telemetry.logs import configure_logging, logging_config

log = logging.getLogger(__name__)

APPS = {
    "store": "shopkeep.store.app:create_app",
    "web": "shopkeep.web.app:create_app",
    "payments": "shopkeep.sandbox.app:create_app",
}
# What a client that sent something that is not HTTP/1.1 reads, instead of uvicorn's plain text.
MALFORMED_HTTP = orjson.dumps(
    {
        "detail": "The request is not valid HTTP/1.1 (its request line or a header is "
        "malformed): correct it and send it again."
    }
)


class _JsonBadRequest:
    """uvicorn answers a request it cannot parse itself, before any app runs: in JSON here."""

    def _bad_request_head(self) -> list[bytes]:
        return [
            b"HTTP/1.1 400 Bad Request\r\n",
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(MALFORMED_HTTP)).encode("ascii") + b"\r\n",
            b"connection: close\r\n",
            b"\r\n",
        ]


class HttpToolsJsonProtocol(_JsonBadRequest, HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        self.transport.write(b"".join([*self._bad_request_head(), MALFORMED_HTTP]))
        self.transport.close()


class H11JsonProtocol(_JsonBadRequest, H11Protocol):
    def send_400_response(self, msg: str) -> None:
        self.transport.write(b"".join([*self._bad_request_head(), MALFORMED_HTTP]))
        self.transport.close()


# httptools when installed (as uvicorn's "auto" chooses), h11 otherwise.
HttpProtocol = (
    HttpToolsJsonProtocol if issubclass(AutoHTTPProtocol, HttpToolsProtocol) else H11JsonProtocol
)
HTTP_PROTOCOL = "shopkeep.serving:HttpProtocol"


def _options(app: str, host: str, port: int, workers: int) -> dict[str, Any]:
    settings = Settings()
    return {
        "app": APPS[app],
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "http": HTTP_PROTOCOL,
        "log_level": "info",
        "log_config": logging_config(settings.log_format),
        # Requests are logged by the apps themselves (`SHOPKEEP_ACCESS_LOG`), with their id.
        "access_log": False,
        # SIGTERM: stop accepting, finish the requests in flight, then the app's shutdown
        # lets running jobs finish (see `upkeep.running`), each within this timeout.
        "timeout_graceful_shutdown": int(settings.shutdown_timeout_seconds) or 1,
    }


def config(app: str, host: str, port: int, workers: int = 1) -> uvicorn.Config:
    return uvicorn.Config(**_options(app, host, port, workers))


def run_alone(app: str, host: str, port: int, workers: int) -> None:
    """One app, with `workers` processes (uvicorn's own supervisor when more than one)."""
    if workers == 1:
        _run_child(app, host, port)
        return
    uvicorn.run(**_options(app, host, port, workers))


# How long a listener that could not accept (out of file descriptors) rests before trying again.
ACCEPT_RETRY_S = 1.0


class EagerListener:
    """Takes over the listening sockets of a uvloop server, to accept every connection waiting
    each time they are readable, as asyncio's own loop does.

    libuv accepts one connection per turn of the loop. Behind a busy loop (32 uncached catalog
    queries of a millisecond each take a turn of 32 ms), the last clients of a burst of 32 waited
    half a second to be accepted.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        server: asyncio.AbstractServer,
        protocol: Callable[[], asyncio.Protocol],
        backlog: int,
    ) -> None:
        self.loop = loop
        self.protocol = protocol
        self.backlog = backlog
        # Copies of the server's sockets keep them listening once the server is closed: a
        # client waiting in the kernel's queue meanwhile is accepted at the next turn.
        self.sockets = [
            socket.socket(fileno=os.dup(sock.fileno())) for sock in getattr(server, "sockets", ())
        ]
        server.close()
        self._connecting: set[asyncio.Task[Any]] = set()
        for sock in self.sockets:
            sock.setblocking(False)
            loop.add_reader(sock.fileno(), self._accept, sock)

    def _accept(self, listening: socket.socket) -> None:
        for _ in range(self.backlog):  # no more than the kernel queues, even under a flood
            try:
                connection, _address = listening.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as error:  # out of descriptors or buffers: rest, then go on
                log.warning(
                    "cannot accept a connection (%s): retrying in %s s", error, ACCEPT_RETRY_S
                )
                self.loop.remove_reader(listening.fileno())
                self.loop.call_later(ACCEPT_RETRY_S, self._resume, listening)
                return
            connection.setblocking(False)
            if connection.family in (socket.AF_INET, socket.AF_INET6):
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as uvloop's own
            task = self.loop.create_task(
                self.loop.connect_accepted_socket(self.protocol, connection)
            )
            self._connecting.add(task)
            task.add_done_callback(self._connected)

    def _resume(self, listening: socket.socket) -> None:
        if listening.fileno() != -1:  # not closed meanwhile
            self.loop.add_reader(listening.fileno(), self._accept, listening)

    def _connected(self, task: asyncio.Task[Any]) -> None:
        self._connecting.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("a client went away while connecting: %s", task.exception())

    def close(self) -> None:
        for sock in self.sockets:
            if sock.fileno() != -1:
                self.loop.remove_reader(sock.fileno())
                sock.close()

    async def wait_closed(self) -> None:
        return None


class Server(uvicorn.Server):
    """uvicorn's server, which returns when a signal stopped it (uvicorn re-raises the signal
    once it has stopped, which would end the process with a traceback for Ctrl-C), and which
    takes every client waiting to connect at each turn of its event loop."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        loop = asyncio.get_running_loop()
        if self.started and type(loop).__module__.partition(".")[0] == "uvloop":
            listeners = [
                EagerListener(loop, server, self._protocol, self.config.backlog)
                for server in self.servers
            ]
            self.servers = listeners  # type: ignore[assignment]  # closed as uvicorn's were

    def _protocol(self) -> asyncio.Protocol:
        protocol: asyncio.Protocol = self.config.http_protocol_class(  # type: ignore[call-arg]
            config=self.config, server_state=self.server_state, app_state=self.lifespan.state
        )
        return protocol

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _run_child(app: str, host: str, port: int) -> None:
    server = Server(config(app, host, port))
    server.run()
    if not server.started:
        sys.exit(3)  # could not start (the port is taken, the app failed): uvicorn's code


@dataclass(frozen=True)
class App:
    name: str  # a key of APPS
    port: int


def serve_apart(apps: Sequence[App], host: str, env: Mapping[str, str]) -> int:
    """Run each app in a process of its own until Ctrl-C or SIGTERM, or until one of them
    stops; then stop all. Returns the exit status for `serve`: 0 when stopped by a signal, 1
    when an app stopped by itself (or could not start)."""
    children: dict[int, tuple[str, subprocess.Popen[bytes]]] = {}
    stops = 0

    def stop_all() -> None:
        # uvicorn stops gracefully on the first signal, and at once on a SIGINT after it.
        sig = signal.SIGTERM if stops <= 1 else signal.SIGINT
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        nonlocal stops
        stops += 1
        stop_all()

    previous = {sig: signal.signal(sig, on_signal) for sig in _SIGNALS}
    failed: str | None = None
    try:
        for app in apps:
            if stops:
                break
            process = subprocess.Popen(
                [sys.executable, "-m", "shopkeep.serving", app.name, host, str(app.port)],
                env=dict(env),
                # The child stops when this pipe closes: if `serve` is killed, no app outlives it.
                stdin=subprocess.PIPE,
            )
            children[process.pid] = (app.name, process)
        while children:
            pid, status = os.wait()  # resumed after each signal handler (PEP 475)
            if pid not in children:
                continue
            name, process = children.pop(pid)
            process.returncode = code = os.waitstatus_to_exitcode(status)
            if stops == 0 and failed is None:
                failed = name
                log.error("the %s app stopped (exit status %s): stopping the others", name, code)
                stops = 1
                stop_all()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for _name, process in children.values():
            process.kill()
            process.wait()
    return 0 if failed is None else 1


def _stop_when_orphaned() -> None:
    """Stop this app (as SIGTERM does) when `serve` goes away: its pipe to us closes."""
    # The raw descriptor: a buffered read would hold a lock that interpreter shutdown wants.
    while os.read(sys.stdin.fileno(), 4096):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: Sequence[str]) -> None:
    """A child of `serve_apart`: `python -m shopkeep.serving <app> <host> <port>`."""
    app, host, port = argv
    configure_logging(Settings().log_format)
    threading.Thread(target=_stop_when_orphaned, daemon=True).start()
    _run_child(app, host, int(port))


if __name__ == "__main__":
    main(sys.argv[1:])
