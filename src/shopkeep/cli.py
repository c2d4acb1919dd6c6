"""The `shopkeep` command."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import typer
import uvicorn

from shopkeep.catalog import seed
from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.config import Settings
from shopkeep.db import Database, create_database
from shopkeep.errors import ShopError
from shopkeep.migrate import upgrade
from shopkeep.orders.service import expire_orders
from shopkeep.sellers import accounts
from shopkeep.sellers import service as sellers_service

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
        await database.write(seed.analyze)
        return loaded
    finally:
        await database.close()


def _serve_store(settings: Settings, host: str, port: int, workers: int) -> None:
    _prepare(settings)
    typer.echo(f"Store API      http://{host}:{port}   (docs: http://{host}:{port}/docs)")
    uvicorn.run(
        "shopkeep.store.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


@app.command()
def serve(
    host: HostOption = "127.0.0.1",
    store_port: Annotated[int, typer.Option(help="Port of the store API.")] = 8000,
    web_port: Annotated[int, typer.Option(help="Port of the storefront.")] = 3000,
    payments_port: Annotated[int, typer.Option(help="Port of the payment sandbox.")] = 5000,
) -> None:
    """Migrate, load the demo catalog into an empty database, and start the shop."""
    settings = Settings()
    settings.resolved_webhook_secret  # noqa: B018 - generate the shared secret before serving
    _serve_store(settings, host, store_port, workers=1)


@app.command()
def store(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: WorkersOption = 1,
) -> None:
    """Run the store API alone (migrates and seeds an empty database first)."""
    _serve_store(Settings(), host, port, workers)


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
    loaded = asyncio.run(_load_catalog(settings, total=total, reset=reset, only_if_empty=False))
    typer.echo(f"Loaded {loaded} products.")


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
    app()
