"""Browser tests: Debian's Chromium, driven by Playwright, against real `shopkeep web` servers.

One browser serves the whole suite and one server each module. Every test fails on a console
error, an uncaught page error or a request to any host but 127.0.0.1, unless it declares the
error it expects; every test leaves screenshots of the pages it saw in `test-artifacts/`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Route,
    sync_playwright,
)

from tests.conftest import WEBHOOK_SECRET, skip_or_fail
from tests.servers import running_web

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
ALLOWED_HOST = "127.0.0.1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 667}
ORDER_URL = re.compile(r".*/orders/[0-9a-f]{32}$")


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (`make setup` installs it as root)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    # Debian's Chromium: Playwright's own browser downloads are not used.
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
    yield browser
    browser.close()


def server_env(data_dir: Path) -> dict[str, str]:
    return {"SHOPKEEP_DATA_DIR": str(data_dir), "SHOPKEEP_WEBHOOK_SECRET": WEBHOOK_SECRET}


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A storefront of its own for each module, on a fresh SQLite database with the demo
    catalog (the `shopkeep web` command migrates and seeds it)."""
    data_dir = tmp_path_factory.mktemp("web")
    with running_web(server_env(data_dir), log_path=data_dir / "server.log") as url:
        yield url


class Shopper:
    """A person at a browser: one context (cookies), pages, and what went wrong on them."""

    def __init__(self, context: BrowserContext, base_url: str, artifacts: Path) -> None:
        self.context = context
        self.base_url = base_url
        self.artifacts = artifacts
        self.problems: list[str] = []
        self.expected: list[re.Pattern[str]] = []
        self.shots = 0
        context.route("**/*", self._only_this_machine)
        context.on("console", self._console)
        context.on("page", self._watch)
        self.page = context.new_page()

    def _only_this_machine(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname == ALLOWED_HOST:
            route.continue_()
        else:
            self.problems.append(f"request to another host: {route.request.url}")
            route.abort()

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        if any(pattern.search(message.text) for pattern in self.expected):
            return
        self.problems.append(
            f"console error on {message.page and message.page.url}: {message.text}"
        )

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def expect_status(self, status: int) -> None:
        """This test provokes a response with `status` (the browser logs those as errors)."""
        self.expected.append(re.compile(rf"status of {status}\b"))

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, label: str | None = None) -> Page:
        self.page.goto(self.url(path))
        self.snap(label or path.strip("/") or "home")
        return self.page

    def snap(self, label: str) -> None:
        """Keep a screenshot of the page as it is now."""
        self.shots += 1
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "page"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=self.artifacts / f"{self.shots:02d}-{name}.png", full_page=True)

    def no_horizontal_scroll(self) -> None:
        width, viewport = self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width <= viewport, f"{self.page.url} is {width}px wide in a {viewport}px window"


NewShopper = Callable[..., Shopper]


@pytest.fixture
def new_shopper(
    browser: Browser, shop_url: str, request: pytest.FixtureRequest
) -> Iterator[NewShopper]:
    """Makes shoppers (browser contexts with the guards on), by default of this module's shop;
    `options` go to the browser context."""
    shoppers: list[Shopper] = []
    test_dir = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid.split("::")[-1])
    shutil.rmtree(test_dir, ignore_errors=True)  # only this run's pages

    def make(base_url: str = shop_url, **options: Any) -> Shopper:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        artifacts = test_dir if not shoppers else test_dir / f"shopper-{len(shoppers) + 1}"
        shopper = Shopper(context, base_url, artifacts)
        shoppers.append(shopper)
        return shopper

    yield make
    problems = []
    for shopper in shoppers:
        with suppress(Error):  # unless the test closed the page
            shopper.snap("end")
        shopper.context.close()
        problems += shopper.problems
    assert not problems, "\n".join(problems)


@pytest.fixture
def shopper(new_shopper: NewShopper) -> Shopper:
    return new_shopper()
