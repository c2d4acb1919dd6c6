"""`/readyz`: whether this process can serve, i.e. its database answers and is migrated."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from shopkeep.db import Database, Tx
from shopkeep.migrate import alembic_config


@cache
def head_revisions(migrations: Path) -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://", migrations))
    return frozenset(script.get_heads())


async def _revisions(tx: Tx, version_table: str) -> frozenset[str]:
    rows = await tx.execute(text(f"SELECT version_num FROM {version_table}"))
    return frozenset(rows.scalars())


async def not_ready_because(database: Database, migrations: Path, version_table: str) -> str | None:
    """None when ready; else a sentence that says why not."""
    try:
        found = await database.read(_revisions, version_table)
    except Exception as error:
        return (
            f"The database cannot be read ({type(error).__name__}): check that it runs and "
            "that `shopkeep db upgrade` has been run."
        )
    wanted = head_revisions(migrations)
    if found != wanted:
        have = ", ".join(sorted(found)) or "none"
        return (
            f"The database's schema is at revision {have}, not {', '.join(sorted(wanted))}: "
            "run `shopkeep db upgrade`."
        )
    return None
