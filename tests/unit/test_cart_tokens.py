"""Cart tokens on their own: each opens one cart, and neither kind of token passes for the other."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from shopkeep.carts import tokens
from shopkeep.carts.service import new_id
from shopkeep.db import utcnow
from shopkeep.sellers import tokens as seller_tokens

SECRET = "s" * 64


def test_a_cart_token_names_its_cart_and_does_not_expire() -> None:
    cart_id = new_id()
    old = tokens.issue_cart_token(SECRET, cart_id, now=utcnow() - timedelta(days=3650))

    assert tokens.cart_id_from_token(SECRET, old) == cart_id
    assert tokens.cart_id_from_token(SECRET, tokens.issue_cart_token(SECRET, cart_id)) == cart_id


def test_a_cart_token_is_not_a_sellers_token_even_when_its_cart_id_is_all_digits() -> None:
    digits = "1" * 32  # a possible cart id that also reads as a number
    token = jwt.encode(
        {"sub": digits, "aud": tokens.AUDIENCE, "iat": 1, "exp": 2**40}, SECRET, algorithm="HS256"
    )

    assert tokens.cart_id_from_token(SECRET, token) == digits
    with pytest.raises(seller_tokens.InvalidToken):
        seller_tokens.seller_id_from_token(SECRET, token)
    with pytest.raises(seller_tokens.InvalidToken):
        seller_tokens.seller_id_from_token(SECRET, tokens.issue_cart_token(SECRET, new_id()))


def test_a_sellers_token_is_not_a_cart_token() -> None:
    with pytest.raises(tokens.InvalidCartToken):
        tokens.cart_id_from_token(SECRET, seller_tokens.issue_token(SECRET, 42, minutes=60))


@pytest.mark.parametrize(
    "token",
    [
        jwt.encode({"sub": "a" * 32, "aud": tokens.AUDIENCE, "iat": 1}, None, algorithm="none"),
        jwt.encode(
            {"sub": "a" * 32, "aud": tokens.AUDIENCE, "iat": 1}, "t" * 64, algorithm="HS256"
        ),
        jwt.encode({"sub": "a" * 32, "aud": "elsewhere", "iat": 1}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "a" * 32, "iat": 1}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "a" * 32, "aud": tokens.AUDIENCE}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "A" * 32, "aud": tokens.AUDIENCE, "iat": 1}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "a" * 31, "aud": tokens.AUDIENCE, "iat": 1}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": 7, "aud": tokens.AUDIENCE, "iat": 1}, SECRET, algorithm="HS256"),
        "not a token",
        "",
    ],
    ids=[
        "alg-none",
        "another-key",
        "another-audience",
        "no-audience",
        "no-iat",
        "uppercase-id",
        "short-id",
        "number-subject",
        "garbage",
        "empty",
    ],
)
def test_anything_but_a_cart_token_signed_with_the_key_is_refused(token: str) -> None:
    with pytest.raises(tokens.InvalidCartToken):
        tokens.cart_id_from_token(SECRET, token)
