"""`shopkeep serve` runs each app in a process of its own: one app held still cannot stall the
others, and one app that dies takes the others down with it rather than leave half a shop."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import WEBHOOK_SECRET
from tests.servers import Shop, app_pids, running_shop

pytestmark = pytest.mark.slow

# Only a safety net against a hung test; nothing here measures time.
PATIENCE = 15.0


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    env = {"SHOPKEEP_DATA_DIR": str(tmp_path), "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET}
    with running_shop(env) as shop:
        yield shop


@contextmanager
def frozen(pid: int) -> Iterator[None]:
    """The process stopped dead (SIGSTOP), as if one request held its event loop forever."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_each_app_runs_in_its_own_process(shop: Shop) -> None:
    pids = app_pids(shop.server.process.pid)
    assert sorted(pids) == ["payments", "store", "web"]
    assert len(set(pids.values())) == 3


def test_an_app_held_busy_stalls_neither_of_the_others(shop: Shop) -> None:
    pids = app_pids(shop.server.process.pid)
    with ThreadPoolExecutor(1) as pool:
        with frozen(pids["web"]):
            held = pool.submit(httpx.get, f"{shop.web_url}/healthz", timeout=PATIENCE)
            for url in (shop.store_url, shop.payments_url):
                assert httpx.get(f"{url}/healthz", timeout=PATIENCE).status_code == 200
            # The storefront's answer is still owed: it was held the whole time.
            assert not held.done()
        assert held.result(timeout=PATIENCE).status_code == 200


def test_when_one_app_dies_serve_stops_the_others_and_fails(shop: Shop) -> None:
    pids = app_pids(shop.server.process.pid)
    os.kill(pids["store"], signal.SIGKILL)
    assert shop.server.process.wait(timeout=PATIENCE) == 1
    for pid in (pids["web"], pids["payments"]):
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    for url in (shop.web_url, shop.payments_url):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/healthz")


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_no_app_outlives_a_killed_serve(shop: Shop) -> None:
    pids = app_pids(shop.server.process.pid)
    os.kill(shop.server.process.pid, signal.SIGKILL)  # serve alone: its apps are not told
    shop.server.process.wait()
    deadline = time.monotonic() + PATIENCE
    while not all(_is_zombie(pid) for pid in pids.values()):
        assert time.monotonic() < deadline, "an app kept running after serve was killed"
        time.sleep(0.05)  # nothing to await: the apps are no longer our children


def test_a_request_that_is_not_http_gets_a_json_400_from_every_app(shop: Shop) -> None:
    for url in (shop.store_url, shop.web_url, shop.payments_url):
        address = httpx.URL(url)
        with socket.create_connection((address.host, address.port), timeout=PATIENCE) as sock:
            sock.sendall(b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), answer
        assert b"content-type: application/json" in head.lower()
        assert "not valid HTTP" in json.loads(body)["detail"]
