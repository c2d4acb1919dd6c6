"""The `shopkeep` command."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from shopkeep.accounts import service as account_rules
from shopkeep.backup import BackupRefused, backup_sqlite
from shopkeep.catalog import seed
from shopkeep.catalog.demo import DEMO_PRODUCTS
from shopkeep.config import Settings
from shopkeep.db import Database
from shopkeep.errors import ShopError
from shopkeep.mail import service as mail_service
from shopkeep.mail.sender import MailSender
from shopkeep.mail.transport import transport_for
from shopkeep.migrate import upgrade, upgrade_sandbox
from shopkeep.orders.service import expire_orders
from shopkeep.pricing import service as pricing
from shopkeep.sellers import accounts as seller_accounts
from shopkeep.serving import App, run_alone, serve_apart
from shopkeep.staff import accounts as staff_accounts
from shopkeep.telemetry.logs import configure_logging

app = typer.Typer(help="Shopkeep: a small, fast e-commerce engine.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema and catalog.", no_args_is_help=True)
orders_app = typer.Typer(help="Order maintenance.", no_args_is_help=True)
seller_app = typer.Typer(help="Seller accounts.", no_args_is_help=True)
mail_app = typer.Typer(help="The emails the shop sends (its outbox).", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts for the back office.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(mail_app, name="mail")
app.add_typer(orders_app, name="orders")
app.add_typer(seller_app, name="seller")
app.add_typer(staff_app, name="staff")

HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
WorkersOption = Annotated[int, typer.Option(min=1, help="Worker processes.")]
MAX_CATALOG = 1_000_000
MAX_ECHOED_SETTING = 80  # characters of a refused setting shown back


def _prepare(settings: Settings) -> None:
    """Migrate the schema and load the demo catalog into an empty database."""
    upgrade(settings.resolved_database_url)
    asyncio.run(_load_demo_catalog(settings))


async def _load_demo_catalog(settings: Settings) -> None:
    database = settings.open_database()
    try:
        if await database.write(seed.load_demo_catalog_if_empty):
            await database.write(seed.analyze)
    finally:
        await database.close()


async def _load_catalog(settings: Settings, *, total: int, reset: bool) -> int:
    """Load `total` products; returns how many were loaded."""
    database = settings.open_database()
    try:
        if reset:
            await database.write(seed.reset_store)
        elif not await database.read(seed.catalog_is_empty):
            raise typer.BadParameter(
                "the catalog already has products; add --reset to replace everything"
            )
        await database.write(seed.ensure_categories)
        await database.write(pricing.ensure_demo_methods)
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
    storefront, the store API and the payment sandbox, each in a process of its own (Ctrl-C
    stops all; if one stops, all stop)."""
    settings = Settings()
    # The apps find each other on the ports given here, unless told otherwise.
    addresses = {
        "store_url": _address(host, store_port),
        "payments_url": _address(host, payments_port),
        "public_url": _address(host, web_port),
    }
    env = dict(os.environ)
    for name, url in addresses.items():
        if name not in settings.model_fields_set:
            env[f"SHOPKEEP_{name.upper()}"] = url
    # Generated secrets are made before any app starts, so every app reads the same ones.
    settings.resolved_webhook_secret  # noqa: B018
    settings.resolved_session_secret  # noqa: B018
    settings.resolved_secret_key  # noqa: B018
    _prepare(settings)
    upgrade_sandbox(settings.resolved_sandbox_database_url)
    store_url = _address(host, store_port)
    _announce(f"Storefront       {_address(host, web_port)}")
    _announce(f"Store API        {store_url}   (docs: {store_url}/docs)")
    _announce(f"Payment sandbox  {_address(host, payments_port)}")
    _say_where_mail_goes(settings)
    apps = [App("web", web_port), App("store", store_port), App("payments", payments_port)]
    raise typer.Exit(serve_apart(apps, host, env))


@app.command()
def store(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: WorkersOption = 1,
) -> None:
    """Run the store API alone (migrates and seeds an empty database first)."""
    settings = Settings()
    _prepare(settings)
    _announce(f"Store API        {_address(host, port)}   (docs: {_address(host, port)}/docs)")
    _say_where_mail_goes(settings)
    run_alone("store", host, port, workers)


@app.command()
def payments(
    host: HostOption = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5000,
    workers: WorkersOption = 1,
) -> None:
    """Run the payment sandbox alone (with its own database, migrated first)."""
    settings = Settings()
    upgrade_sandbox(settings.resolved_sandbox_database_url)
    _announce(f"Payment sandbox  {_address(host, port)}")
    run_alone("payments", host, port, workers)


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
    _announce(f"Storefront       {_address(host, port)}")
    _say_where_mail_goes(settings)
    run_alone("web", host, port, workers)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    upgrade(Settings().resolved_database_url)
    typer.echo("Database is up to date.")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (replaced if it exists).")],
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Back up the payment sandbox's database instead.")
    ] = False,
) -> None:
    """Copy the SQLite database to FILE while the shop runs (PostgreSQL: use pg_dump)."""
    settings = Settings()
    url = settings.resolved_sandbox_database_url if sandbox else settings.resolved_database_url
    try:
        size = backup_sqlite(url, file)
    except BackupRefused as error:
        typer.echo(f"Error: {error}.", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"Backed up {size:,} bytes to {file}.")


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
    loaded = asyncio.run(_load_catalog(settings, total=total, reset=reset))
    typer.echo(f"Loaded {loaded} products in {time.monotonic() - started:.1f} s.")


@orders_app.command("expire")
def orders_expire() -> None:
    """Expire unpaid orders past their deadline and put their stock back."""

    async def run() -> int:
        database = Settings().open_database()
        try:
            total = 0
            while expired := await database.write(expire_orders):
                total += expired
            return total
        finally:
            await database.close()

    typer.echo(f"Expired {asyncio.run(run())} orders.")


UsernameArgument = Annotated[
    str, typer.Argument(help="3 to 50 letters, digits, '_', '.' or '-'.", show_default=False)
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


def _create_account(
    username: str,
    password_stdin: bool,
    create: Callable[[Database, str, str], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Ask for a password (twice, hidden; or one line of standard input) and create the
    account with `create`; a refusal is said on standard error with exit status 1."""
    if not account_rules.is_username(username):
        raise typer.BadParameter(f"must be {account_rules.USERNAME_RULE}", param_hint="USERNAME")
    if password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings()
    upgrade(settings.resolved_database_url)

    async def run() -> dict[str, Any]:
        database = settings.open_database()
        try:
            return await create(database, username, password)
        finally:
            await database.close()

    try:
        return asyncio.run(run())
    except ShopError as error:
        typer.echo(f"Error: {error.detail}.", err=True)
        raise typer.Exit(1) from error


@seller_app.command("create")
def seller_create(username: UsernameArgument, password_stdin: PasswordStdinOption = False) -> None:
    """Create a seller account (asks for the password twice, without showing it)."""
    seller = _create_account(username, password_stdin, seller_accounts.sign_up)
    typer.echo(f"Created seller {seller['username']!r} (id {seller['id']}).")


@staff_app.command("create")
def staff_create(username: UsernameArgument, password_stdin: PasswordStdinOption = False) -> None:
    """Create a staff account for the back office at /admin (asks for the password twice,
    without showing it)."""
    staff = _create_account(username, password_stdin, staff_accounts.create_staff)
    typer.echo(f"Created staff member {staff['username']!r} (id {staff['id']}).")


def _announce(line: str) -> None:
    """Where a server answers: for whoever reads the terminal, or a log line in JSON mode (so
    that every line of a server's output is JSON)."""
    if Settings().log_format == "json":
        logging.getLogger("shopkeep").info(" ".join(line.split()))
    else:
        typer.echo(line)


def _say_where_mail_goes(settings: Settings) -> None:
    _announce(f"Mail             {transport_for(settings).describe()}")


@mail_app.command("list")
def mail_list(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="How many, newest first.")] = 50,
) -> None:
    """The outbox, newest first: each message's id, state, event, order and recipient."""

    async def run() -> list[dict[str, object]]:
        database = settings.open_database()
        try:
            return await database.read(mail_service.list_mail, limit=limit)
        finally:
            await database.close()

    settings = Settings()
    upgrade(settings.resolved_database_url)
    messages = asyncio.run(run())
    if not messages:
        typer.echo("No emails yet: they are written when an order is paid.")
        return
    for message in messages:
        to = message["to"] or "(the shop: SHOPKEEP_SHOP_EMAIL)"
        subject = message["subject"] or "(written when sent)"
        delivery = str(message["delivery"] or "")
        unsent = f"  [{delivery}]" if delivery.startswith("not sent") else ""
        typer.echo(
            f"{message['id']}  {message['status']:<7}  {message['event']:<9}  "
            f"order {str(message['order_id'])[:8]}  {to}  {subject}{unsent}"
        )


@mail_app.command("show")
def mail_show(
    message_id: Annotated[str, typer.Argument(metavar="ID", help="An id from `mail list`.")],
    raw: Annotated[bool, typer.Option(help="The message's bytes, as sent.")] = False,
) -> None:
    """Print one message as it was (or will be) sent: its headers, its text and its HTML."""
    settings = Settings()
    upgrade(settings.resolved_database_url)

    async def run() -> bytes:
        database = settings.open_database()
        try:
            return await MailSender(database, settings).message(message_id.strip().lower())
        finally:
            await database.close()

    try:
        sent = asyncio.run(run())
    except ShopError as error:
        typer.echo(f"Error: {error.detail}. `shopkeep mail list` shows the ids.", err=True)
        raise typer.Exit(1) from error
    if raw:
        typer.echo(sent.decode("utf-8", errors="replace").replace("\r\n", "\n"), nl=False)
        return
    message = message_from_bytes(sent, policy=policy.default)
    assert isinstance(message, EmailMessage)
    for name in ("Subject", "From", "To", "Date", "Message-ID"):
        typer.echo(f"{name}: {message[name]}")
    for subtype in ("plain", "html"):
        part = message.get_body(preferencelist=(subtype,))
        if part is not None:
            typer.echo(f"\n----- text/{subtype} -----\n{part.get_content()}")


def main() -> None:
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "SHOPKEEP_" + "_".join(str(part) for part in problem["loc"]).upper()
            shown = ""
            if not any(word in name for word in ("SECRET", "KEY", "URL", "PASSWORD")):
                shown = f"={str(problem.get('input', ''))[:MAX_ECHOED_SETTING]!r}"
            typer.echo(f"Error: {name}{shown}: {problem['msg']}.", err=True)
        raise SystemExit(2) from None
    configure_logging(settings.log_format)
    app()
