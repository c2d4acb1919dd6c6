"""Real server processes for end-to-end tests: the `shopkeep` command, started and stopped.

The server runs in its own session (process group) with its output in a log file, so that a
test can show what the server said when something went wrong, and so that no worker outlives
the test even when the server has to be killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from tests.postgres import free_port

T = TypeVar("T")

# Generous: `serve` starts three interpreters at once, and CI machines are small and shared.
STARTUP_SECONDS = 45.0
STOP_SECONDS = 10.0
POLL_SECONDS = 0.05


class ServerFailed(RuntimeError):
    """The server exited, never became healthy, or did not start the workers it was asked for."""


def shopkeep_command() -> Path:
    """The installed console script (`shopkeep.cli` has no `__main__`)."""
    return Path(sys.executable).with_name("shopkeep")


@dataclass(frozen=True)
class Server:
    """A running `shopkeep` process: where it answers, and its log."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL the server and everything it started: no shutdown code runs."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@dataclass(frozen=True)
class Shop:
    """`shopkeep serve`: the storefront, the store and the payment sandbox in one process."""

    web_url: str
    store_url: str
    payments_url: str
    server: Server


@contextmanager
def running(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    url: str,
    workers: int = 1,
    log_path: Path | None = None,
) -> Iterator[Server]:
    """Run `shopkeep <args>` until the block ends, once `url`/healthz answers.

    `args` must make the server listen where `url` says. `env` holds the `SHOPKEEP_*`
    settings; the caller's own `SHOPKEEP_*` variables are not inherited. The output goes to
    `log_path` (a temporary file by default), printed when the server fails to start or the
    block raises.
    """
    if log_path is None:
        handle, name = tempfile.mkstemp(prefix=f"shopkeep-{args[0]}-", suffix=".log")
        os.close(handle)
        log_path = Path(name)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEP_")}
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(shopkeep_command()), *args],
            env={**inherited, "PYTHONUNBUFFERED": "1", **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(process, url)
        _wait_for_workers(process, workers)
        yield Server(url, process, log_path)
    except BaseException:
        _stop(process)
        print_log(log_path)
        raise
    else:
        _stop(process)


@contextmanager
def running_store(
    env: Mapping[str, str],
    workers: int = 1,
    *,
    log_path: Path | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """`shopkeep store` on a free loopback port (or `port`); yields its base URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    args = ("store", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers))
    with running(args, env, url=url, workers=workers, log_path=log_path):
        yield url


@contextmanager
def running_payments(
    env: Mapping[str, str], *, log_path: Path | None = None, port: int | None = None
) -> Iterator[Server]:
    """`shopkeep payments` (the sandbox alone) on a free loopback port (or `port`)."""
    port = port or free_port()
    args = ("payments", "--host", "127.0.0.1", "--port", str(port))
    with running(args, env, url=f"http://127.0.0.1:{port}", log_path=log_path) as server:
        yield server


@contextmanager
def running_shop(env: Mapping[str, str], *, log_path: Path | None = None) -> Iterator[Shop]:
    """`shopkeep serve` on free loopback ports."""
    web_port, store_port, payments_port = free_port(), free_port(), free_port()
    args = (
        *("serve", "--host", "127.0.0.1", "--store-port", str(store_port)),
        *("--web-port", str(web_port), "--payments-port", str(payments_port)),
    )
    web_url, store_url, payments_url = (
        f"http://127.0.0.1:{port}" for port in (web_port, store_port, payments_port)
    )
    with running(args, env, url=store_url, log_path=log_path) as server:
        _wait_until_healthy(server.process, payments_url)
        _wait_until_healthy(server.process, web_url)
        yield Shop(web_url, store_url, payments_url, server)


@contextmanager
def running_web(
    env: Mapping[str, str], workers: int = 1, *, log_path: Path | None = None
) -> Iterator[str]:
    """`shopkeep web` (the storefront) on a free loopback port; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ("web", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers))
    with running(args, env, url=url, workers=workers, log_path=log_path):
        yield url


def print_log(log_path: Path) -> None:
    print(f"----- server log {log_path} -----\n{log_path.read_text(errors='replace')}")


def worker_pids(pid: int) -> list[int]:
    """The uvicorn worker processes of server `pid`: its children started by multiprocessing's
    spawn (which leaves out its resource tracker, also a child)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:  # the server has exited
        return []
    children = [int(child) for task in tasks for child in _read(task / "children").split()]
    return [child for child in children if "--multiprocessing-fork" in _argv(child)]


def app_pids(pid: int) -> dict[str, int]:
    """The app processes of `shopkeep serve` `pid`, by app name ("store", "web", "payments")."""
    found: dict[str, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in _read(task / "children").split():
            argv = _argv(int(child))
            if "shopkeep.serving" in argv:
                found[argv[argv.index("shopkeep.serving") + 1]] = int(child)
    return found


def _wait_until_healthy(process: subprocess.Popen[bytes], base_url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=base_url, timeout=1.0) as client:
        while True:
            if process.poll() is not None:
                raise ServerFailed(f"the server exited with status {process.returncode}")
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(f"GET /healthz did not answer 200 in {STARTUP_SECONDS} s")
            time.sleep(POLL_SECONDS)  # nothing to await: the server only answers when ready


def _wait_for_workers(process: subprocess.Popen[bytes], workers: int) -> None:
    """With one worker uvicorn serves from the main process; with more, from as many children."""
    expected = workers if workers > 1 else 0
    deadline = time.monotonic() + STARTUP_SECONDS
    while len(found := worker_pids(process.pid)) != expected:
        if process.poll() is not None or time.monotonic() > deadline:
            raise ServerFailed(f"expected {expected} worker processes, found {found}")
        time.sleep(POLL_SECONDS)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets uvicorn stop its workers; if it hangs or has died, whatever is left of its
    process group (its own session, so nothing but the server and its children) is killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
            return
        except subprocess.TimeoutExpired:
            pass
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:  # the process or thread has just exited
        return ""


def _argv(pid: int) -> list[str]:
    return _read(Path(f"/proc/{pid}/cmdline")).split("\0")


def eventually(check: Callable[[], T | None], what: str, seconds: float = 20.0) -> T:
    """Poll another process's state until `check` returns a value (there is nothing in this
    process to await)."""
    deadline = time.monotonic() + seconds
    while (value := check()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value
