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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from tests.postgres import free_port

STARTUP_SECONDS = 15.0
STOP_SECONDS = 10.0
POLL_SECONDS = 0.05


class ServerFailed(RuntimeError):
    """The server exited, never became healthy, or did not start the workers it was asked for."""


def shopkeep_command() -> Path:
    """The installed console script (`shopkeep.cli` has no `__main__`)."""
    return Path(sys.executable).with_name("shopkeep")


@contextmanager
def running(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    port: int,
    health_path: str = "/healthz",
    workers: int = 1,
    log_path: Path | None = None,
) -> Iterator[str]:
    """Run `shopkeep *args` until the block ends; yields `http://127.0.0.1:<port>` once
    `health_path` answers 200 and the `workers` have started.

    `args` must make the server listen on `port`. `env` holds the `SHOPKEEP_*` settings; the
    caller's own `SHOPKEEP_*` variables are not inherited. The output goes to `log_path` (a
    temporary file by default), printed when the server fails to start or the block raises.
    """
    if log_path is None:
        handle, name = tempfile.mkstemp(prefix=f"shopkeep-{args[0]}-", suffix=".log")
        os.close(handle)
        log_path = Path(name)
    base_url = f"http://127.0.0.1:{port}"
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEP_")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(shopkeep_command()), *args],
            env={**inherited, "PYTHONUNBUFFERED": "1", **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(process, base_url, health_path)
        _wait_for_workers(process, workers)
        yield base_url
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
    serve: bool = False,
) -> Iterator[str]:
    """Run `shopkeep store` on a free loopback port; yields its base URL. With `serve`, run
    `shopkeep serve` instead, the store on that port (one worker)."""
    port = free_port()
    args = ["store", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if serve:
        args = [
            *("serve", "--host", "127.0.0.1", "--store-port", str(port)),
            *("--web-port", str(free_port()), "--payments-port", str(free_port())),
        ]
    with running(args, env, port=port, workers=workers, log_path=log_path) as base_url:
        yield base_url


@contextmanager
def running_web(
    env: Mapping[str, str], workers: int = 1, *, log_path: Path | None = None
) -> Iterator[str]:
    """Run `shopkeep web` (the storefront) on a free loopback port; yields its base URL."""
    port = free_port()
    args = ["web", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with running(args, env, port=port, workers=workers, log_path=log_path) as base_url:
        yield base_url


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


def _wait_until_healthy(
    process: subprocess.Popen[bytes], base_url: str, health_path: str = "/healthz"
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(base_url=base_url, timeout=1.0) as client:
        while True:
            if process.poll() is not None:
                raise ServerFailed(f"the server exited with status {process.returncode}")
            try:
                if client.get(health_path).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(f"GET {health_path} did not answer 200 in {STARTUP_SECONDS} s")
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
