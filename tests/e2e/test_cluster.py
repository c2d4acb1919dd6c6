"""The production topology on loopback (`make cluster`): PostgreSQL, nginx in front of two
store and two storefront processes, and the sandbox. A shopper's whole journey goes through the
proxy while processes are killed under it; nothing of the cart or the order is lost."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from shopkeep.cluster import Cluster, running_cluster
from shopkeep.cluster.nginx import NGINX
from tests.conftest import skip_or_fail
from tests.postgres import find_bindir
from tests.servers import eventually
from tests.web.helpers import CUSTOMER, add, cart_lines, form_token, post_form

pytestmark = pytest.mark.slow

KEYBOARD = 3  # $89.99
CARD = {"card_number": "4242424242424242", "expiry": "12/40", "cvc": "123"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if find_bindir() is None or not NGINX.exists():
        skip_or_fail("PostgreSQL's server binaries or nginx are missing (run `make system`)")
    with running_cluster() as running:
        yield running


def order_status(cluster: Cluster, order_id: str) -> str:
    response = httpx.get(f"{cluster.store_url}/orders/{order_id}")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def test_a_journey_through_the_proxy_survives_killed_processes(cluster: Cluster) -> None:
    [web_1, web_2] = cluster.named("web-")
    [store_1, _store_2] = cluster.named("store-")
    async with httpx.AsyncClient(base_url=cluster.web_url, timeout=10) as shop:
        home = await shop.get("/", headers={"X-Request-ID": "journey-home"})
        assert home.status_code == 200
        assert home.headers["x-request-id"] == "journey-home"
        token = await form_token(shop)
        assert (await add(shop, KEYBOARD, 2, token=token)).status_code == 303

        web_1.kill()  # mid-journey: the proxy sends the rest to the other storefront
        assert await cart_lines(shop) == {KEYBOARD: 2}
        placed = await post_form(shop, "/checkout", CUSTOMER, page="/checkout")
        assert placed.status_code == 303, placed.text
        payment_page = placed.headers["location"]
        assert payment_page.startswith(f"{cluster.payments_url}/pay/")

        store_1.kill()  # the sandbox's callback reaches the store through the proxy
        async with httpx.AsyncClient(timeout=10) as browser:
            paid = await browser.post(payment_page, data=CARD)
        assert paid.status_code == 303
        back = paid.headers["location"]
        assert back.startswith(f"{cluster.web_url}/orders/")
        order_id = back.split("/orders/", 1)[1].split("?", 1)[0]

        eventually(
            lambda: order_status(cluster, order_id) == "paid" or None, "the order to be paid"
        )
        page = await shop.get(f"/orders/{order_id}")
        assert page.status_code == 200 and "Paid" in page.text
        assert await cart_lines(shop) == {}  # the cart became the order

    # The request id that came through the proxy is on the storefront's log line.
    lines = [
        orjson.loads(line)
        for process in (web_1, web_2)
        for line in process.log.read_text().splitlines()
        if line.startswith("{")
    ]
    assert [line["status"] for line in lines if line.get("request_id") == "journey-home"] == [200]


def test_every_process_behind_the_proxy_is_ready_and_counts_what_it_answered(
    cluster: Cluster,
) -> None:
    for process in cluster.named("store-") + cluster.named("web-") + cluster.named("payments"):
        if process.popen.poll() is not None:  # killed by the journey
            continue
        assert httpx.get(f"{process.url}/readyz").status_code == 200
        metrics = httpx.get(f"{process.url}/metrics").text
        assert 'route="/readyz",status="200"' in metrics
    proxied = httpx.get(f"{cluster.store_url}/readyz", headers={"X-Request-ID": "via-nginx"})
    assert proxied.status_code == 200 and proxied.headers["x-request-id"] == "via-nginx"
