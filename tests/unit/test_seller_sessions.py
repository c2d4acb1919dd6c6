"""Seller session values: signed, bound to one seller and one end time, and nothing else."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from shopkeep.web import csrf, sessions

SECRET = "s" * 40
NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)


def test_a_session_names_its_seller_until_it_ends() -> None:
    value = sessions.encode(SECRET, 42, now=NOW)
    assert sessions.decode(SECRET, value, now=NOW) == 42
    almost = NOW + timedelta(hours=sessions.SESSION_HOURS) - timedelta(seconds=1)
    assert sessions.decode(SECRET, value, now=almost) == 42
    assert sessions.decode(SECRET, value, now=almost + timedelta(seconds=1)) is None


def test_the_value_is_the_id_the_end_and_an_hmac_of_both() -> None:
    value = sessions.encode(SECRET, 42, now=NOW)
    ends = int((NOW + timedelta(hours=sessions.SESSION_HOURS)).timestamp())
    payload = f"v1.42.{ends}"
    mac = hmac.new(SECRET.encode(), b"seller-session:" + payload.encode(), hashlib.sha256)
    assert value == f"{payload}.{mac.hexdigest()}"


def _with(value: str, *, seller: str | None = None, ends: int = 0, mac: str | None = None) -> str:
    version, seller_id, end, signature = value.split(".")
    return f"{version}.{seller or seller_id}.{int(end) + ends}.{mac or signature}"


VALUE = sessions.encode(SECRET, 42, now=NOW)


@pytest.mark.parametrize(
    "tampered",
    [
        _with(VALUE, seller="43"),
        _with(VALUE, ends=3600),
        _with(VALUE, mac="0" * 64),
        VALUE.upper(),
        VALUE + ".extra",
        VALUE.replace("v1.", "v2.", 1),
        "",
    ],
)
def test_a_tampered_value_is_refused(tampered: str) -> None:
    assert tampered != VALUE
    assert sessions.decode(SECRET, tampered, now=NOW) is None


def test_another_secret_or_a_form_token_does_not_pass() -> None:
    value = sessions.encode(SECRET, 42, now=NOW)
    assert sessions.decode("t" * 40, value, now=NOW) is None
    # A form token is an HMAC under the same secret, but of another message.
    ends = value.split(".")[2]
    forged = f"v1.42.{ends}.{csrf.token(SECRET, f'v1.42.{ends}')}"
    assert sessions.decode(SECRET, forged, now=NOW) is None


def test_an_id_beyond_the_database_is_refused_even_when_signed() -> None:
    assert sessions.decode(SECRET, sessions.encode(SECRET, 2**31, now=NOW), now=NOW) is None
