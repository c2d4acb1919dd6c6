"""`shopkeep seller create`: a seller account from the command line."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopkeep.cli import app
from shopkeep.db import create_database
from shopkeep.sellers import accounts
from tests.cli.test_cli import SHOPKEEP


def create(
    data_dir: Path, username: str, stdin: str, *, kind: str = "seller"
) -> subprocess.CompletedProcess[str]:
    """`shopkeep seller create` (or `staff create`) with the password on standard input."""
    return subprocess.run(
        [SHOPKEEP, kind, "create", username, "--password-stdin"],
        env={**os.environ, "SHOPKEEP_DATA_DIR": str(data_dir)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def sellers(data_dir: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "shopkeep.db") as connection:
        return connection.execute("SELECT id, username, password_hash FROM sellers").fetchall()


def can_log_in(data_dir: Path, username: str, password: str) -> bool:
    async def attempt() -> bool:
        database = create_database(f"sqlite:///{data_dir / 'shopkeep.db'}")
        try:
            await accounts.log_in(
                database, username, password, limit=5, window=timedelta(minutes=1)
            )
        except accounts.BadCredentials:
            return False
        finally:
            await database.close()
        return True

    return asyncio.run(attempt())


def test_a_seller_created_from_standard_input_can_log_in(tmp_path: Path) -> None:
    result = create(tmp_path, "Alice", "correct horse battery\n")

    assert result.returncode == 0, result.stderr
    assert "Created seller 'Alice' (id 1)." in result.stdout
    [(seller_id, username, password_hash)] = sellers(tmp_path)
    assert (seller_id, username) == (1, "Alice")
    assert str(password_hash).startswith("$argon2id$")
    assert "correct horse" not in result.stdout + result.stderr + str(password_hash)
    assert can_log_in(tmp_path, "alice", "correct horse battery")
    assert not can_log_in(tmp_path, "alice", "correct horse")


@pytest.mark.parametrize(
    ("username", "stdin", "message"),
    [
        ("bob", "short\n", "Password must be at least 8 characters long"),
        ("b b", "long enough\n", "USERNAME"),
        ("ALICE", "long enough\n", "Username is already taken"),
    ],
)
def test_a_bad_or_taken_username_or_a_short_password_creates_nothing(
    tmp_path: Path, username: str, stdin: str, message: str
) -> None:
    assert create(tmp_path, "alice", "first password\n").returncode == 0

    result = create(tmp_path, username, stdin)

    assert result.returncode != 0
    assert message in result.stderr
    assert [row[1] for row in sellers(tmp_path)] == ["alice"]


def test_the_password_is_asked_twice_until_both_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPKEEP_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(
        app,
        ["seller", "create", "carol"],
        input="first try 1\nfirst try 2\nsecond try\nsecond try\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert "second try" not in result.output  # hidden while typed
    assert can_log_in(tmp_path, "carol", "second try")
