"""`shopkeep staff create`: a back-office account from the command line, by the sellers' rules
but in a table of its own."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from shopkeep.accounts.logins import BadCredentials, log_in
from shopkeep.accounts.service import AccountKind
from shopkeep.db import create_database
from shopkeep.sellers.service import SELLERS
from shopkeep.staff.service import STAFF
from tests.cli.test_seller_cli import create

PASSWORD = "correct horse battery"


def staff_rows(data_dir: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "shopkeep.db") as connection:
        return connection.execute("SELECT id, username, password_hash FROM staff").fetchall()


def logs_in(data_dir: Path, kind: AccountKind, username: str, password: str) -> bool:
    async def attempt() -> bool:
        database = create_database(f"sqlite:///{data_dir / 'shopkeep.db'}")
        try:
            await log_in(database, kind, username, password, limit=5, window=timedelta(minutes=1))
        except BadCredentials:
            return False
        finally:
            await database.close()
        return True

    return asyncio.run(attempt())


def test_a_staff_member_created_from_standard_input_logs_in_as_staff_only(
    tmp_path: Path,
) -> None:
    result = create(tmp_path, "Olivia", PASSWORD + "\n", kind="staff")

    assert result.returncode == 0, result.stderr
    assert "Created staff member 'Olivia' (id 1)." in result.stdout
    [(staff_id, username, password_hash)] = staff_rows(tmp_path)
    assert (staff_id, username) == (1, "Olivia")
    assert str(password_hash).startswith("$argon2id$")
    assert PASSWORD not in result.stdout + result.stderr
    assert logs_in(tmp_path, STAFF, "olivia", PASSWORD)
    assert not logs_in(tmp_path, STAFF, "olivia", "correct horse")
    assert not logs_in(tmp_path, SELLERS, "olivia", PASSWORD)  # not a seller


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
    assert create(tmp_path, "olivia", "first password\n", kind="staff").returncode == 0

    result = create(tmp_path, username, stdin, kind="staff")

    assert result.returncode != 0
    assert message in result.stderr
    assert [row[1] for row in staff_rows(tmp_path)] == ["olivia"]


def test_a_seller_and_a_staff_member_may_share_a_name_and_keep_their_passwords(
    tmp_path: Path,
) -> None:
    assert create(tmp_path, "sam", "seller password\n").returncode == 0
    assert create(tmp_path, "sam", "staff password\n", kind="staff").returncode == 0

    assert logs_in(tmp_path, SELLERS, "sam", "seller password")
    assert logs_in(tmp_path, STAFF, "sam", "staff password")
    assert not logs_in(tmp_path, STAFF, "sam", "seller password")
