"""`shopkeep db backup FILE`: a consistent copy of the SQLite database taken while the shop
writes to it; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from sqlalchemy import func, select

from shopkeep.carts import service as carts
from shopkeep.carts.models import Cart
from shopkeep.db import Database, Tx
from tests.cli.test_cli import SHOPKEEP


async def cart_count(tx: Tx) -> int:
    return int(await tx.scalar(select(func.count()).select_from(Cart)) or 0)


async def backup(env: dict[str, str], target: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        SHOPKEEP,
        "db",
        "backup",
        str(target),
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_a_backup_taken_while_carts_are_written_is_a_consistent_database(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    env = {"SHOPKEEP_DATA_DIR": str(tmp_path), "SHOPKEEP_DATABASE_URL": database_url}
    target = tmp_path / "backups" / "shop.db"
    if not database_url.startswith("sqlite"):
        code, output = await backup(env, target)
        assert code == 2
        assert "pg_dump" in output
        assert not target.exists()
        return
    before = await database.read(cart_count)
    writing = True
    written = 0
    started = asyncio.Event()

    async def shoppers() -> None:
        nonlocal written
        while writing:
            await database.write(carts.create_cart)
            written += 1
            if written == 20:
                started.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(shoppers())
    await started.wait()
    code, output = await backup(env, target)
    writing = False
    await writer
    assert code == 0, output
    assert "Backed up" in output
    after = await database.read(cart_count)

    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (copied,) = copy.execute("SELECT count(*) FROM carts").fetchone()
        (products,) = copy.execute("SELECT count(*) FROM products").fetchone()
        assert copy.execute("SELECT version_num FROM alembic_version").fetchall()
    assert before + 20 <= copied <= after  # a moment during the writes, whole carts only
    assert written > 20  # the shop kept writing while the copy was taken
    assert products > 0
    assert [p.name for p in target.parent.iterdir()] == ["shop.db"]  # no partial file left


async def test_a_backup_onto_the_database_itself_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "shopkeep.db"
    sqlite3.connect(database).close()
    code, output = await backup({"SHOPKEEP_DATA_DIR": str(tmp_path)}, database)
    assert code == 2
    assert "another file" in output
