"""Backups of a SQLite database while the shop runs (`shopkeep db backup FILE`).

SQLite's online backup API copies the database page by page through a connection of its own.
The copy is taken in one step under a read transaction: in WAL mode readers never block
writers, so the shop keeps taking orders while it runs, and the copy is the database as it was
at one instant (a committed state, never half a transaction). It is written beside the target
and renamed into place once checked, so FILE is never a partial copy.

PostgreSQL is backed up with its own tools (`pg_dump`; see docs/deploy.md).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SQLITE_PREFIX = "sqlite:///"


class BackupRefused(Exception):
    """The database cannot be backed up by this command; the message says what to do."""


def sqlite_path(url: str) -> Path:
    if not url.startswith(SQLITE_PREFIX) or ":memory:" in url:
        raise BackupRefused(
            "`shopkeep db backup` copies SQLite databases; back PostgreSQL up with pg_dump "
            '(for example `pg_dump --format=custom --file=shop.dump "$DATABASE"`, see '
            "docs/deploy.md)"
        )
    path = Path(url.removeprefix(SQLITE_PREFIX))
    if not path.exists():
        raise BackupRefused(f"there is no database at {path}: nothing to back up")
    return path


def backup_sqlite(url: str, target: Path) -> int:
    """Copy the SQLite database at `url` to `target`; returns the copy's size in bytes."""
    source_path = sqlite_path(url)
    if target.resolve() == source_path.resolve():
        raise BackupRefused("the backup must go to another file than the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.{os.getpid()}.partial")
    draft.unlink(missing_ok=True)
    source = sqlite3.connect(source_path)  # reads only; WAL lets the shop write meanwhile
    try:
        source.execute("PRAGMA busy_timeout=10000")
        copy = sqlite3.connect(draft)
        try:
            source.backup(copy)  # every page in one step: one consistent snapshot
            # A file that opens on its own, without the WAL beside the shop's database.
            copy.execute("PRAGMA journal_mode=DELETE")
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        finally:
            copy.close()
    finally:
        source.close()
    if verdict != "ok":
        draft.unlink(missing_ok=True)
        raise BackupRefused(f"the copy failed its integrity check ({verdict}); try again")
    os.replace(draft, target)
    return target.stat().st_size
