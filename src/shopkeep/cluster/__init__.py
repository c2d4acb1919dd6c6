"""The production topology on one machine, for trying it out (`make cluster`): PostgreSQL from
Debian's binaries in a temporary directory, two store and two storefront processes on it, the
payment sandbox, and nginx in front of the store and storefront processes.

Every process is the same `shopkeep` command a deployment runs under systemd (see deploy/),
with the same environment: secrets shared by all, the database URL, the proxy's addresses as
the shop's public ones.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shopkeep.cluster import nginx
from shopkeep.cluster.postgres import find_bindir, free_port, postgres_server

STARTUP_SECONDS = 60.0
STOP_SECONDS = 20.0


class ClusterFailed(RuntimeError):
    """A part of the cluster could not be started; the message says which and why."""


@dataclass
class Process:
    """One `shopkeep` (or nginx) process of the cluster, its output in a log file."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (a crash, or the machine's plug pulled)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it has not stopped in time; returns its exit status."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                return self.popen.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.popen.returncode


@dataclass
class Cluster:
    root: Path
    database_url: str
    web_url: str  # nginx, in front of the storefront processes
    store_url: str  # nginx, in front of the store processes
    payments_url: str  # the sandbox, standing for the provider (not behind the proxy)
    env: dict[str, str]
    processes: list[Process] = field(default_factory=list)

    def named(self, prefix: str) -> list[Process]:
        return [p for p in self.processes if p.name.startswith(prefix)]


def cluster_env(root: Path, database_url: str, ports: dict[str, int]) -> dict[str, str]:
    def key() -> str:
        return secrets.token_hex(32)

    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SHOPKEEP_")}
    return {
        **inherited,
        "PYTHONUNBUFFERED": "1",
        "SHOPKEEP_DATA_DIR": str(root / "data"),
        "SHOPKEEP_DATABASE_URL": database_url,
        "SHOPKEEP_SANDBOX_DATABASE_URL": database_url,  # its tables share no names
        # The same secrets in every process: any process can check what another signed.
        "SHOPKEEP_WEBHOOK_SECRET": key(),
        "SHOPKEEP_SECRET_KEY": key(),
        "SHOPKEEP_SESSION_SECRET": key(),
        "SHOPKEEP_STORE_URL": f"http://127.0.0.1:{ports['store']}",
        "SHOPKEEP_PAYMENTS_URL": f"http://127.0.0.1:{ports['payments']}",
        "SHOPKEEP_PUBLIC_URL": f"http://127.0.0.1:{ports['web']}",
        "SHOPKEEP_LOG_FORMAT": "json",
        "SHOPKEEP_ACCESS_LOG": "true",
    }


def _shopkeep() -> str:
    return str(Path(sys.executable).with_name("shopkeep"))


def _start(name: str, command: list[str], port: int, env: dict[str, str], root: Path) -> Process:
    log = root / "logs" / f"{name}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("ab") as out:
        popen = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops each in turn
        )
    return Process(name, port, popen, log)


def _wait_ready(process: Process, path: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with httpx.Client(timeout=2.0) as client:
        while True:
            if process.popen.poll() is not None:
                raise ClusterFailed(
                    f"{process.name} exited ({process.popen.returncode}):\n"
                    + process.log.read_text(errors="replace")[-3000:]
                )
            with contextlib.suppress(httpx.TransportError):
                if client.get(process.url + path).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise ClusterFailed(f"{process.name} was not ready in {STARTUP_SECONDS:.0f} s")
            time.sleep(0.1)  # another process: nothing to await but its answer


def _app(name: str, app: str, env: dict[str, str], root: Path) -> Process:
    port = free_port()
    command = [_shopkeep(), app, "--host", "127.0.0.1", "--port", str(port)]
    return _start(name, command, port, env, root)


@contextmanager
def running_cluster(*, stores: int = 2, webs: int = 2) -> Iterator[Cluster]:
    """Start everything; stop everything (SIGTERM, then what is left) when the block ends."""
    bindir = find_bindir()
    if bindir is None:
        raise ClusterFailed("PostgreSQL's server binaries are missing: run `make system`")
    if not nginx.NGINX.exists():
        raise ClusterFailed("nginx is missing: run `make system`")
    root = Path(tempfile.mkdtemp(prefix="shopkeep-cluster-"))
    root.chmod(0o755)
    try:
        with postgres_server(bindir, fast=False) as database_url:
            ports = {"web": free_port(), "store": free_port(), "payments": free_port()}
            env = cluster_env(root, database_url, ports)
            cluster = Cluster(
                root,
                database_url,
                f"http://127.0.0.1:{ports['web']}",
                f"http://127.0.0.1:{ports['store']}",
                f"http://127.0.0.1:{ports['payments']}",
                env,
            )
            try:
                _start_all(cluster, ports, stores=stores, webs=webs)
                yield cluster
            finally:
                for process in reversed(cluster.processes):
                    process.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _start_all(cluster: Cluster, ports: dict[str, int], *, stores: int, webs: int) -> None:
    env, root = cluster.env, cluster.root
    # Once per release, before the processes of the new release start.
    subprocess.run([_shopkeep(), "db", "upgrade"], env=env, check=True, capture_output=True)
    sandbox = _start("payments", [_shopkeep(), "payments", "--host", "127.0.0.1", "--port",
                     str(ports["payments"])], ports["payments"], env, root)  # fmt: skip
    cluster.processes.append(sandbox)
    apps = [_app(f"store-{n + 1}", "store", env, root) for n in range(stores)]
    apps += [_app(f"web-{n + 1}", "web", env, root) for n in range(webs)]
    cluster.processes.extend(apps)
    _wait_ready(sandbox, "/readyz")
    for app in apps:
        _wait_ready(app, "/readyz")
    proxy_root = root / "nginx"
    proxy_root.mkdir()
    conf = proxy_root / "nginx.conf"
    conf.write_text(
        nginx.config(
            proxy_root,
            web=(ports["web"], [p.port for p in cluster.named("web-")]),
            store=(ports["store"], [p.port for p in cluster.named("store-")]),
        )
    )
    command = [str(nginx.NGINX), "-p", str(proxy_root), "-c", str(conf), "-e", "stderr"]
    proxy = _start("nginx", command, ports["web"], env, root)
    cluster.processes.append(proxy)
    _wait_ready(proxy, "/healthz")
    _wait_ready(Process("nginx (store)", ports["store"], proxy.popen, proxy.log), "/healthz")


def main() -> int:
    """`make cluster`: start it, say where everything is, stop it all on Ctrl-C or SIGTERM."""
    stopping = False

    def stop(_sig: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        with running_cluster() as cluster:
            print(f"Storefront (nginx)  {cluster.web_url}")
            print(f"Store API (nginx)   {cluster.store_url}   (docs: {cluster.store_url}/docs)")
            print(f"Payment sandbox     {cluster.payments_url}")
            print(f"PostgreSQL          {cluster.database_url}")
            for process in cluster.processes:
                print(f"  {process.name:<10} pid {process.popen.pid:<7} log {process.log}")
            print("Ctrl-C stops everything.", flush=True)
            while not stopping:
                signal.pause()
            print("Stopping...", flush=True)
    except ClusterFailed as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    return 0
