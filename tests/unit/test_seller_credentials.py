"""Password hashing and access tokens, on their own."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from shopkeep.accounts import passwords
from shopkeep.db import utcnow
from shopkeep.sellers import tokens

SECRET = "s" * 64


async def test_a_password_verifies_against_its_own_hash_only() -> None:
    first = await passwords.hash_password("correct horse")
    second = await passwords.hash_password("correct horse")

    assert first != second  # salted
    assert await passwords.verify_password("correct horse", first) == (True, None)
    assert await passwords.verify_password("correct hors", first) == (False, None)
    assert await passwords.verify_password("Correct horse", first) == (False, None)


async def test_without_a_hash_or_with_a_broken_one_no_password_verifies() -> None:
    assert await passwords.verify_password("anything at all", None) == (False, None)
    assert await passwords.verify_password("anything at all", "not a hash") == (False, None)
    assert await passwords.verify_password("", "$argon2id$v=19$broken") == (False, None)


@pytest.mark.parametrize(
    ("password", "ok"),
    [("1234567", False), ("12345678", True), ("x" * 256, True), ("x" * 257, False)],
)
def test_passwords_are_8_to_256_characters(password: str, ok: bool) -> None:
    if ok:
        passwords.check_password(password)
    else:
        with pytest.raises(ValueError, match="Password must be"):
            passwords.check_password(password)


def test_a_token_names_its_seller_until_it_expires() -> None:
    now = utcnow()
    fresh = tokens.issue_token(SECRET, 42, minutes=60, now=now)
    stale = tokens.issue_token(SECRET, 42, minutes=60, now=now - timedelta(minutes=60, seconds=1))

    assert tokens.seller_id_from_token(SECRET, fresh) == 42
    with pytest.raises(tokens.ExpiredToken):
        tokens.seller_id_from_token(SECRET, stale)


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode({"sub": "42", "iat": 1, "exp": 2**40}, None, algorithm="none"),
        jwt.encode({"sub": "42", "iat": 1, "exp": 2**40}, "t" * 64, algorithm="HS256"),
        jwt.encode({"sub": "42", "iat": 1}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": 42, "iat": 1, "exp": 2**40}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "٤٢", "iat": 1, "exp": 2**40}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "0", "iat": 1, "exp": 2**40}, SECRET, algorithm="HS256"),
        "",
    ],
    ids=[
        "alg-none",
        "other-key",
        "no-exp",
        "sub-not-a-string",
        "sub-arabic-digits",
        "sub-0",
        "empty",
    ],
)
def test_only_a_complete_hs256_token_signed_with_our_key_is_accepted(token: str) -> None:
    with pytest.raises(tokens.InvalidToken):
        tokens.seller_id_from_token(SECRET, token)
