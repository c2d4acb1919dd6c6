"""A throwaway PostgreSQL server from Debian's binaries, in a temporary directory: for the test
suite (`fast`: no fsync) and for `make cluster`.

`initdb` and `pg_ctl` refuse to run as root, so as root the cluster belongs to the `postgres`
user and every command runs through `runuser`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def find_bindir() -> Path | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server(bindir: Path, *, fast: bool = True) -> Iterator[str]:
    """Start a server on a free loopback port; yields its asyncpg URL, stops it at the end.
    `fast` trades durability for speed (fsync off), as a test suite may."""
    root = Path(tempfile.mkdtemp(prefix="shopkeep-pg-"))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
        root.chmod(0o755)
    port = free_port()
    run = _runner()
    stop_mode = "immediate" if fast else "fast"
    try:
        run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} "
            "-c max_connections=300 -c shared_buffers=128MB"
        )
        if fast:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        )
        run(
            [
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                "shopkeep",
            ]
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/shopkeep"
    finally:
        if data.exists():
            subprocess.run(
                # A test's server is thrown away: no checkpoint first.
                as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", stop_mode, "stop"]),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def _runner() -> Callable[[list[str]], None]:
    def run(command: list[str]) -> None:
        result = subprocess.run(as_owner(command), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed:\n{result.stdout}\n{result.stderr}")

    return run
