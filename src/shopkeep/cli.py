"""The `shopkeep` command."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI

from shopkeep.catalog import seed
from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.config import Settings
from shopkeep.db import Database, create_database
from shopkeep.errors import ShopError
from shopkeep.migrate import upgrade, upgrade_sandbox
from shopkeep.orders.service import expire_orders
from shopkeep.sandbox.app import create_app as create_sandbox
from shopkeep.sellers import accounts
from shopkeep.sellers import service as sellers_service
from shopkeep.serving import serve_together
from shopkeep.store.app import create_app as create_store
from shopkeep.web.app import create_app as create_web

app = typer.Typer(help="Shopkeep: a small, fast e-commerce engine.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and catalog.", no_args_is_help=True)
orders_app = typer.Typer(help="Order maintenance.", no_args_is_help=True)
seller_app = typer.Typer(help="Seller accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(orders_app, name="orders")
app.add_typer(seller_app, name="seller")

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
WorkersOption = Annotated[int, typer.Option(min=1, help="Worker processes.")]
MAX_CATALOG = 1_000_000


def _database(settings: Settings) -> Database:
    return create_database(
        settings.resolved_database_url, sqlite_synchronous=settings.sqlite_synchronous
    )


def _prepare(settings: Settings) -> None:
    """Migrate the schema and load the demo catalog into an empty database."""
    upgrade(settings.resolved_database_url)
    asyncio.run(_load_catalog(settings, total=len(DEMO_PRODUCTS), reset=False, only_if_empty=True))


async def _load_catalog(settings: Settings, *, total: int, reset: bool, only_if_empty: bool) -> int:
    """Load `total` products; returns how many were loaded (0 when the catalog was kept)."""
    database = _database(settings)
    try:
        if reset:
            await database.write(seed.reset_store)
        elif not await database.read(seed.catalog_is_empty):
            if only_if_empty:
                return 0
            raise typer.BadParameter(
                "the catalog already has products; add --reset to replace everything"
            )
        await database.write(seed.ensure_categories)
        loaded = 0
        with typer.progressbar(
            length=total, label="Loading products", hidden=total < 10_000
        ) as bar:
            for batch in seed.batches(seed.catalog(total)):
                await database.write(seed.insert_products, loaded + 1, batch)
                loaded += len(batch)
                bar.update(len(batch))
        await database.write(seed.sync_product_ids)
        await database.write(seed.forget_catalog_changes)
        await database.write(seed.analyze)
        return loaded
    finally:
        await database.close()


def _run_alone(factory: str, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        factory,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


def _address(host: str, port: int) -> str:
    """A URL to reach a server listening on `host` from this machine."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    store_port: Annotated[int, typer.Option(help="Port of the store API.")] = 8000,
    web_port: Annotated[int, typer.Option(help="Port of the storefront.")] = 3000,
    payments_port: Annotated[int, typer.Option(help="Port of the payment sandbox.")] = 5000,
) -> None:
    """Migrate, load the demo catalog into an empty database, and start the shop: the
    storefront, the store API and the payment sandbox, in one process (Ctrl-C stops all)."""
    settings = Settings()
    # The apps find each other on the ports given here, unless told otherwise.
    addresses = {
        "store_url": _address(host, store_port),
        "payments_url": _address(host, payments_port),
    }
    settings = settings.model_copy(
        update={k: v for k, v in addresses.items() if k not in settings.model_fields_set}
    )
    # Generated secrets are made before any app starts, so every app reads the same ones.
    settings.resolved_webhook_secret  # noqa: B018
    settings.resolved_session_secret  # noqa: B018
    _prepare(settings)
    upgrade_sandbox(settings.resolved_sandbox_database_url)
    store_url = _address(host, store_port)
    typer.echo(f"Storefront       {_address(host, web_port)}")
    typer.echo(f"Store API        {store_url}   (docs: {store_url}/docs)")
    typer.echo(f"Payment sandbox  {_address(host, payments_port)}")
    asyncio.run(_serve_all(settings, host, web_port, store_port, payments_port))


async def _serve_all(
    settings: Settings, host: str, web_port: int, store_port: int, payments_port: int
) -> None:
    def config(app: FastAPI, port: int) -> uvicorn.Config:
        return uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False)

    # The storefront and the store API share one database handle: on SQLite, one queue of
    # writes committed together.
    database = _database(settings)
    try:
        await serve_together(
            [
                config(create_web(settings, database), web_port),
                config(create_store(settings, database), store_port),
                config(create_sandbox(settings), payments_port),
            ]
        )
    finally:
        await database.close()


@app.command()
def store(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: WorkersOption = 1,
) -> None:
    """Run the store API alone (migrates and seeds an empty database first)."""
    _prepare(Settings())
    typer.echo(f"Store API        {_address(host, port)}   (docs: {_address(host, port)}/docs)")
    _run_alone("shopkeep.store.app:create_app", host, port, workers)


@app.command()
def payments(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5000,
    workers: WorkersOption = 1,
) -> None:
    """Run the payment sandbox alone (with its own database, migrated first)."""
    settings = Settings()
    upgrade_sandbox(settings.resolved_sandbox_database_url)
    typer.echo(f"Payment sandbox  {_address(host, port)}")
    _run_alone("shopkeep.sandbox.app:create_app", host, port, workers)


@app.command()
def web(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    workers: WorkersOption = 1,
) -> None:
    """Run the storefront alone (migrates and seeds an empty database first)."""
    settings = Settings()
    _prepare(settings)
    settings.resolved_session_secret  # noqa: B018 - one secret for every worker, made first
    typer.echo(f"Storefront       {_address(host, port)}")
    _run_alone("shopkeep.web.app:create_app", host, port, workers)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    upgrade(Settings().resolved_database_url)
    typer.echo("Database is up to date.")


@db_app.command("seed")
def db_seed(
    products: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_CATALOG,
            help="Catalog size: the demo catalog, then generated products up to this number.",
        ),
    ] = len(DEMO_PRODUCTS),
    reset: Annotated[
        bool, typer.Option(help="Delete every product, cart, order and payment record first.")
    ] = False,
) -> None:
    """Load the demo catalog (and generated products for large catalogs)."""
    settings = Settings()
    upgrade(settings.resolved_database_url)
    total = max(products, len(DEMO_PRODUCTS))
    started = time.monotonic()
    loaded = asyncio.run(_load_catalog(settings, total=total, reset=reset, only_if_empty=False))
    typer.echo(f"Loaded {loaded} products in {time.monotonic() - started:.1f} s.")


@orders_app.command("expire")
def orders_expire() -> None:
    """Expire unpaid orders past their deadline and put their stock back."""

    async def run() -> int:
        database = _database(Settings())
        try:
            total = 0
            while expired := await database.write(expire_orders):
                total += expired
            return total
        finally:
            await database.close()

    typer.echo(f"Expired {asyncio.run(run())} orders.")


@seller_app.command("create")
def seller_create(
    username: Annotated[str, typer.Argument(help="3 to 50 letters, digits, '_', '.' or '-'.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of standard input."
        ),
    ] = False,
) -> None:
    """Create a seller account (asks for the password twice, without showing it)."""
    if not sellers_service.is_username(username):
        raise typer.BadParameter(f"must be {sellers_service.USERNAME_RULE}", param_hint="USERNAME")
    if password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings()
    upgrade(settings.resolved_database_url)

    async def run() -> dict[str, object]:
        database = _database(settings)
        try:
            return await accounts.sign_up(database, username, password)
        finally:
            await database.close()

    try:
        seller = asyncio.run(run())
    except ShopError as error:
        typer.echo(f"Error: {error.detail}.", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"Created seller {seller['username']!r} (id {seller['id']}).")


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # One line per outgoing request is noise; the outbox logs each delivery itself.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app()
