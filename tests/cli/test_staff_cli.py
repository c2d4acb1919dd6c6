"""`shopkeep staff create`: a back-office account from the command line, by the sellers' rules
but in a table of its own."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from shopkeep.accounts.logins import BadCredentials
from shopkeep.cli import app
from shopkeep.db import create_database
from shopkeep.sellers import accounts as seller_accounts
from shopkeep.staff import accounts as staff_accounts
from tests.cli.test_cli import SHOPKEEP

PASSWORD = "correct horse battery"


def create(
    data_dir: Path, kind: str, username: str, stdin: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SHOPKEEP, kind, "create", username, "--password-stdin"],
        env={**os.environ, "SHOPKEEP_DATA_DIR": str(data_dir)},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def staff_rows(data_dir: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "shopkeep.db") as connection:
        return connection.execute("SELECT id, username, password_hash FROM staff").fetchall()


def logs_in(data_dir: Path, accounts: ModuleType, username: str, password: str) -> bool:
    async def attempt() -> bool:
        database = create_database(f"sqlite:///{data_dir / 'shopkeep.db'}")
        try:
            await accounts.log_in(
                database, username, password, limit=5, window=timedelta(minutes=1)
            )
        except BadCredentials:
            return False
        finally:
            await database.close()
        return True

    return asyncio.run(attempt())


def test_a_staff_member_created_from_standard_input_logs_in_as_staff_only(
    tmp_path: Path,
) -> None:
    result = create(tmp_path, "staff", "Olivia", PASSWORD + "\n")

    assert result.returncode == 0, result.stderr
    assert "Created staff member 'Olivia' (id 1)." in result.stdout
    [(staff_id, username, password_hash)] = staff_rows(tmp_path)
    assert (staff_id, username) == (1, "Olivia")
    assert str(password_hash).startswith("$argon2id$")
    assert PASSWORD not in result.stdout + result.stderr
    assert logs_in(tmp_path, staff_accounts, "olivia", PASSWORD)
    assert not logs_in(tmp_path, staff_accounts, "olivia", "correct horse")
    assert not logs_in(tmp_path, seller_accounts, "olivia", PASSWORD)  # not a seller


@pytest.mark.parametrize(
    ("username", "stdin", "message"),
    [
        ("bob", "short\n", "Password must be at least 8 characters long"),
        ("b b", "long enough\n", "USERNAME"),
        ("OLIVIA", "long enough\n", "Username is already taken"),
    ],
)
def test_a_bad_or_taken_username_or_a_short_password_creates_no_staff(
    tmp_path: Path, username: str, stdin: str, message: str
) -> None:
    assert create(tmp_path, "staff", "olivia", "first password\n").returncode == 0

    result = create(tmp_path, "staff", username, stdin)

    assert result.returncode != 0
    assert message in result.stderr
    assert [row[1] for row in staff_rows(tmp_path)] == ["olivia"]


def test_a_seller_and_a_staff_member_may_share_a_name_and_keep_their_passwords(
    tmp_path: Path,
) -> None:
    assert create(tmp_path, "seller", "sam", "seller password\n").returncode == 0
    assert create(tmp_path, "staff", "sam", "staff password\n").returncode == 0

    assert logs_in(tmp_path, seller_accounts, "sam", "seller password")
    assert logs_in(tmp_path, staff_accounts, "sam", "staff password")
    assert not logs_in(tmp_path, staff_accounts, "sam", "seller password")


def test_the_staff_password_is_asked_twice_until_both_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPKEEP_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(
        app,
        ["staff", "create", "carol"],
        input="first try 1\nfirst try 2\nsecond try\nsecond try\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert "second try" not in result.output  # hidden while typed
    assert logs_in(tmp_path, staff_accounts, "carol", "second try")
