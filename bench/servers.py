"""Starting, probing and stopping the servers under test, one process group each."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
READY_TIMEOUT_S = 120.0
INDEX_TIMEOUT_S = 600.0  # a million products take some 20-40 s to index here
INDEX_GAUGE = re.compile(rb"^shopkeep_catalog_index_products (\S+)$", re.MULTILINE)
STOP_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def fast_server_options() -> list[str]:
    """uvloop and httptools when installed, as a production deployment would use."""
    options = []
    if importlib.util.find_spec("uvloop"):
        options += ["--loop", "uvloop"]
    if importlib.util.find_spec("httptools"):
        options += ["--http", "httptools"]
    return options


def uvicorn_command(app: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
        *fast_server_options(),
    ]


@dataclass
class Server:
    """One server process; use as a context manager so it is stopped on any exit."""

    name: str
    command: list[str]
    port: int
    log_path: Path
    ready_path: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Server:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: Ctrl-C reaches us, not it
            )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()  # also on Ctrl-C while waiting
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                self._fail_if_exited()
                try:
                    if client.get(self.ready_path).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"{self.name} not ready after {READY_TIMEOUT_S:.0f} s; {self.log_tail()}"
        )

    def _fail_if_exited(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            code = self.process.returncode
            raise RuntimeError(f"{self.name} exited with {code}; {self.log_tail()}")

    def stop(self) -> None:
        """SIGINT to the server's process group (graceful), SIGKILL for whatever lingers."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)  # workers the server started may still be shutting down
        _signal_group(process.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"log {self.log_path}:\n{tail}" if tail else f"log {self.log_path} is empty"


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_catalog_index(base_url: str, timeout_s: float = INDEX_TIMEOUT_S) -> bool:
    """Wait until the store's `/metrics` shows its in-memory catalog index built (until then
    catalog queries are answered by the database); False if it never shows one."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        while time.monotonic() < deadline:
            found = INDEX_GAUGE.search(client.get("/metrics").content)
            if found is None:
                return False  # a store without one
            if float(found.group(1)) > 0:
                return True
            time.sleep(0.2)
    return False


def largest_rss_mb(pgid: int) -> float:
    """The resident memory of the largest process in a process group (a server and its
    workers), in MB."""
    largest = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # the fields after the name: state, ppid, pgrp, ...
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                largest = max(largest, int(line.split()[1]))
    return largest / 1024
