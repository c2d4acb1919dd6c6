"""Seller accounts (SPEC §6): sign-up, log-in, profiles, access tokens and the log-in limiter."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from shopkeep.accounts.models import LoginAttempts
from shopkeep.accounts.service import TooManyLogins, forget_old_login_attempts
from shopkeep.config import Settings
from shopkeep.db import Database, Tx, utcnow
from shopkeep.sellers import accounts, tokens
from shopkeep.sellers.models import Seller
from tests.helpers import PASSWORD, new_product, signed_up

WINDOW = timedelta(seconds=60)


async def log_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/auth/token", data={"grant_type": "password", "username": username, "password": password}
    )


async def seller_count(database: Database) -> int:
    async def count(tx: Tx) -> int:
        return int(await tx.scalar(select(func.count()).select_from(Seller)))

    return await database.read(count)


def assert_bearer_challenge(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"]


# --- sign-up and profiles -----------------------------------------------------------------------


async def test_sign_up_answers_the_seller_and_a_token_that_opens_sellers_me(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/sellers", json={"username": "alice", "password": PASSWORD})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert set(body["seller"]) == {"id", "username", "created_at"}
    assert body["seller"]["username"] == "alice"
    assert PASSWORD not in response.text
    me = await client.get(
        "/sellers/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["id"] == body["seller"]["id"]
    assert me.json()["username"] == "alice"
    assert me.json()["product_count"] == 0 and me.json()["products"] == []


async def test_sellers_are_listed_in_sign_up_order_and_each_shows_its_products(
    client: httpx.AsyncClient,
) -> None:
    alice, alice_auth = await signed_up(client, "alice")
    bob, _ = await signed_up(client, "bob")
    lamp = await new_product(client, alice_auth, name="Lamp")

    listed = await client.get("/sellers")
    one = await client.get(f"/sellers/{alice['id']}")
    second_page = await client.get("/sellers?page=2&page_size=1")

    assert listed.status_code == 200
    assert [seller["username"] for seller in listed.json()] == ["alice", "bob"]
    assert [seller["username"] for seller in second_page.json()] == ["bob"]
    assert one.status_code == 200
    assert one.json()["product_count"] == 1
    assert [product["id"] for product in one.json()["products"]] == [lamp["id"]]
    assert (await client.get(f"/sellers/{bob['id']}")).json()["products"] == []
    assert "password" not in listed.text and "argon2" not in listed.text


async def test_an_unknown_seller_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/sellers/999999")

    assert response.status_code == 404
    assert response.json() == {"detail": "Seller not found"}


async def test_the_password_is_stored_as_an_argon2_hash_only(
    client: httpx.AsyncClient, database: Database
) -> None:
    await signed_up(client, "alice")

    async def stored(tx: Tx) -> list[Any]:
        return list((await tx.execute(select(Seller.__table__))).all())

    [row] = await database.read(stored)
    assert row.password_hash.startswith("$argon2id$")
    assert all(PASSWORD not in str(value) for value in row)


async def test_a_username_taken_in_any_case_is_409_and_the_first_spelling_stays(
    client: httpx.AsyncClient, database: Database
) -> None:
    alice, _ = await signed_up(client, "Alice")

    again = await client.post("/sellers", json={"username": "alice", "password": "another one"})
    shouting = await client.post("/sellers", json={"username": "ALICE", "password": PASSWORD})

    assert again.status_code == 409 and shouting.status_code == 409
    assert again.json() == {"detail": "Username is already taken"}
    assert await seller_count(database) == 1
    assert (await client.get(f"/sellers/{alice['id']}")).json()["username"] == "Alice"


async def test_any_case_of_the_username_logs_in_as_the_same_seller(
    client: httpx.AsyncClient,
) -> None:
    alice, _ = await signed_up(client, "Alice")

    for spelling in ("Alice", "alice", "ALICE"):
        response = await log_in(client, spelling, PASSWORD)
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        me = await client.get("/sellers/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["id"] == alice["id"]
        assert me.json()["username"] == "Alice"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "alice", "password": "7chars!"}, "password"),
        ({"username": "alice", "password": ""}, "password"),
        ({"username": "alice", "password": "x" * 257}, "password"),
        ({"username": "al", "password": PASSWORD}, "username"),
        ({"username": "a" * 51, "password": PASSWORD}, "username"),
        ({"username": "alice smith", "password": PASSWORD}, "username"),
        ({"username": "alice\n", "password": PASSWORD}, "username"),
        ({"username": "alice\x00", "password": PASSWORD}, "username"),
        ({"username": "ålice", "password": PASSWORD}, "username"),
        ({"username": "<b>x</b>", "password": PASSWORD}, "username"),
        ({"password": PASSWORD}, "username"),
        ({"username": "alice"}, "password"),
        ({"username": 5, "password": PASSWORD}, "username"),
        ({"username": "alice", "password": 12345678}, "password"),
        ({"username": "alice", "password": "pass\ud800word"}, "password"),
        ({"username": "al\ud800ice", "password": PASSWORD}, "username"),
    ],
)
async def test_a_bad_username_or_password_is_422_naming_the_field_and_creates_nothing(
    client: httpx.AsyncClient, database: Database, body: dict[str, Any], field: str
) -> None:
    # Escaped JSON, which can carry lone surrogates.
    response = await client.post(
        "/sellers", content=json.dumps(body), headers={"content-type": "application/json"}
    )

    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", field]
    assert error["msg"]
    if field == "password":
        assert "input" not in error  # a password is never sent back
    if len(str(body.get("password", ""))) >= 3:
        assert str(body["password"]) not in response.text
    assert await seller_count(database) == 0


# --- logging in ---------------------------------------------------------------------------------


async def test_logging_in_with_the_password_form_answers_a_working_token(
    client: httpx.AsyncClient,
) -> None:
    alice, _ = await signed_up(client, "alice")

    response = await log_in(client, "alice", PASSWORD)

    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    token = response.json()["access_token"]
    me = await client.get("/sellers/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["id"] == alice["id"]


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("alice", "wrong password"),
        ("nobody", PASSWORD),
        ("al ice\x00", PASSWORD),
        ("a" * 256, PASSWORD),
    ],
)
async def test_bad_credentials_are_401_with_one_answer_whatever_was_wrong(
    client: httpx.AsyncClient, username: str, password: str
) -> None:
    await signed_up(client, "alice")

    response = await log_in(client, username, password)

    assert_bearer_challenge(response)
    assert response.json() == {"detail": "Incorrect username or password"}


async def test_logging_in_with_json_instead_of_a_form_is_422(client: httpx.AsyncClient) -> None:
    await signed_up(client, "alice")

    response = await client.post("/auth/token", json={"username": "alice", "password": PASSWORD})

    assert response.status_code == 422


async def test_the_docs_authorize_button_uses_the_password_flow(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    schemes = schema["components"]["securitySchemes"]
    assert {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "auth/token"}}} in (
        schemes.values()
    )
    assert schema["paths"]["/products"]["post"]["security"]
    assert schema["paths"]["/sellers/me"]["get"]["security"]


# --- the log-in limiter -------------------------------------------------------------------------


async def test_repeated_failed_logins_for_a_username_are_429_with_retry_after(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await signed_up(client, "alice")
    await signed_up(client, "bob")
    assert settings.login_attempts == 5

    for _ in range(5):
        assert (await log_in(client, "alice", "wrong password")).status_code == 401
    blocked = await log_in(client, "ALICE", PASSWORD)  # another spelling, the right password

    assert blocked.status_code == 429, blocked.text
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    assert "try again" in blocked.json()["detail"]
    assert (await log_in(client, "bob", PASSWORD)).status_code == 200  # others are not held up


async def test_unknown_usernames_are_limited_like_known_ones(client: httpx.AsyncClient) -> None:
    """Otherwise the limiter would tell which usernames exist."""
    for _ in range(5):
        assert (await log_in(client, "nobody", "wrong password")).status_code == 401

    assert (await log_in(client, "nobody", "wrong password")).status_code == 429


async def test_concurrent_guesses_cannot_slip_past_the_limit(
    client: httpx.AsyncClient, database: Database
) -> None:
    await signed_up(client, "alice")

    answers = await asyncio.gather(*(log_in(client, "alice", f"guess {n}") for n in range(12)))

    codes = sorted(response.status_code for response in answers)
    assert codes == [401] * 5 + [429] * 7


async def test_the_limit_lifts_when_the_window_ends_and_a_success_starts_it_over(
    database: Database,
) -> None:
    await accounts.sign_up(database, "alice", PASSWORD)
    start = utcnow()

    async def attempt(password: str, seconds_later: float) -> str:
        try:
            await accounts.log_in(
                database,
                "alice",
                password,
                limit=2,
                window=WINDOW,
                now=start + timedelta(seconds=seconds_later),
            )
        except accounts.BadCredentials:
            return "refused"
        except TooManyLogins as error:
            return f"wait {error.retry_after_seconds}"
        return "in"

    assert [await attempt("wrong password", 0) for _ in range(2)] == ["refused"] * 2
    assert await attempt(PASSWORD, 20) == "wait 40"
    assert await attempt(PASSWORD, 59.5) == "wait 1"
    assert await attempt(PASSWORD, 60) == "in"  # a new window
    assert await attempt("wrong password", 61) == "refused"
    assert await attempt(PASSWORD, 62) == "in"  # a success forgets the failures before it
    assert [await attempt("wrong password", 63) for _ in range(2)] == ["refused"] * 2
    assert await attempt(PASSWORD, 64) == "wait 59"  # the window began at 63


async def test_finished_windows_are_forgotten(database: Database) -> None:
    now = utcnow()
    for username in ("old", "recent"):
        with pytest.raises(accounts.BadCredentials):
            await accounts.log_in(
                database,
                username,
                "wrong password",
                limit=5,
                window=WINDOW,
                now=now - (WINDOW if username == "old" else timedelta(0)),
            )

    forgotten = await database.write(forget_old_login_attempts, window=WINDOW, now=now)

    async def remaining(tx: Tx) -> list[str]:
        return list((await tx.execute(select(LoginAttempts.username_key))).scalars())

    assert forgotten == 1
    assert await database.read(remaining) == ["recent"]


async def test_a_hash_made_with_older_parameters_is_replaced_at_log_in(
    client: httpx.AsyncClient, database: Database
) -> None:
    from pwdlib.hashers.argon2 import Argon2Hasher

    alice, _ = await signed_up(client, "alice")
    weaker = Argon2Hasher(time_cost=1, memory_cost=8192).hash(PASSWORD)

    async def set_hash(tx: Tx, value: str) -> None:
        await tx.execute(update(Seller).where(Seller.id == alice["id"]).values(password_hash=value))

    async def stored_hash(tx: Tx) -> str:
        return str(await tx.scalar(select(Seller.password_hash).where(Seller.id == alice["id"])))

    await database.write(set_hash, weaker)

    assert (await log_in(client, "alice", PASSWORD)).status_code == 200
    renewed = await database.read(stored_hash)
    assert renewed != weaker and "m=65536" in renewed
    assert (await log_in(client, "alice", PASSWORD)).status_code == 200


# --- access tokens ------------------------------------------------------------------------------


def forged_tokens(secret: str, seller_id: int) -> dict[str, str]:
    now = utcnow()
    claims = {"sub": str(seller_id), "iat": now, "exp": now + timedelta(minutes=5)}
    good = tokens.issue_token(secret, seller_id, minutes=5)
    header, payload, signature = good.split(".")
    other_signature = "A" + signature[1:] if signature[0] != "A" else "B" + signature[1:]
    without = {name: {k: v for k, v in claims.items() if k != name} for name in claims}
    forever = jwt.utils.base64url_encode(
        f'{{"sub":"{seller_id}","iat":1,"exp":9999999999}}'.encode()
    ).decode()
    return {
        "tampered-signature": f"{header}.{payload}.{other_signature}",
        "tampered-payload": f"{header}.{forever}.{signature}",
        "wrong-secret": jwt.encode(claims, "another-secret-" + "y" * 40, algorithm="HS256"),
        "alg-none": jwt.encode(claims, None, algorithm="none"),
        "alg-none-with-signature": jwt.encode(claims, None, algorithm="none") + signature,
        "hs512": jwt.encode(claims, secret, algorithm="HS512"),
        "expired": tokens.issue_token(
            secret, seller_id, minutes=60, now=now - timedelta(minutes=61)
        ),
        "issued-in-the-future": tokens.issue_token(
            secret, seller_id, minutes=60, now=now + timedelta(minutes=10)
        ),
        "no-exp": jwt.encode(without["exp"], secret, algorithm="HS256"),
        "no-iat": jwt.encode(without["iat"], secret, algorithm="HS256"),
        "no-sub": jwt.encode(without["sub"], secret, algorithm="HS256"),
        "sub-not-an-id": jwt.encode({**claims, "sub": "alice"}, secret, algorithm="HS256"),
        "sub-too-large": jwt.encode({**claims, "sub": str(2**31)}, secret, algorithm="HS256"),
        "unknown-seller": tokens.issue_token(secret, 999_999, minutes=5),
        "garbage": "not.a.token",
        "empty-parts": "..",
    }


TOKEN_CASES = [
    "tampered-signature",
    "tampered-payload",
    "wrong-secret",
    "alg-none",
    "alg-none-with-signature",
    "hs512",
    "expired",
    "issued-in-the-future",
    "no-exp",
    "no-iat",
    "no-sub",
    "sub-not-an-id",
    "sub-too-large",
    "unknown-seller",
    "garbage",
    "empty-parts",
]


async def test_a_forged_expired_or_incomplete_token_is_401_and_changes_nothing(
    client: httpx.AsyncClient, database: Database, settings: Settings
) -> None:
    alice, alice_auth = await signed_up(client, "alice")
    lamp = await new_product(client, alice_auth)
    forged = forged_tokens(settings.resolved_secret_key, alice["id"])
    assert sorted(forged) == sorted(TOKEN_CASES)

    let_through = {}
    for case, token in forged.items():
        auth = {"Authorization": f"Bearer {token}"}
        answers = [
            await client.get("/sellers/me", headers=auth),
            await client.post(
                "/products", headers=auth, json={"name": "Forged", "category_id": 1, "price": 1}
            ),
            await client.patch(f"/products/{lamp['id']}", headers=auth, json={"price": 1}),
            await client.delete(f"/products/{lamp['id']}", headers=auth),
        ]
        wrong = [
            (response.request.method, response.status_code)
            for response in answers
            if response.status_code != 401
            or response.headers.get("www-authenticate") != "Bearer"
            or not response.json()["detail"]
        ]
        if wrong:
            let_through[case] = wrong

    assert let_through == {}
    assert (await client.get(f"/products/{lamp['id']}")).json() == lamp
    assert (await client.get(f"/sellers/{alice['id']}")).json()["product_count"] == 1


async def test_an_expired_token_says_so(client: httpx.AsyncClient, settings: Settings) -> None:
    alice, _ = await signed_up(client, "alice")
    token = forged_tokens(settings.resolved_secret_key, alice["id"])["expired"]

    response = await client.get("/sellers/me", headers={"Authorization": f"Bearer {token}"})

    assert_bearer_challenge(response)
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Basic YTpi"}],
    ids=["none", "empty", "bearer-without-token", "basic"],
)
async def test_a_missing_token_is_401_with_a_bearer_challenge(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    for response in (
        await client.get("/sellers/me", headers=headers),
        await client.post("/products", headers=headers, json={}),
        await client.patch("/products/3", headers=headers, json={}),
        await client.delete("/products/3", headers=headers),
    ):
        assert_bearer_challenge(response)


async def test_tokens_last_the_configured_minutes(settings: Settings) -> None:
    token = tokens.issue_token(settings.resolved_secret_key, 7, minutes=settings.token_minutes)

    claims = jwt.decode(token, settings.resolved_secret_key, algorithms=["HS256"])

    assert claims["sub"] == "7"
    assert claims["exp"] - claims["iat"] == 60 * 60
    assert tokens.seller_id_from_token(settings.resolved_secret_key, token) == 7


# --- fuzzing ------------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    ["username", "password", "name", "price", "stock", "category_id", "image_url", "seller_id"]
)
BODIES = st.one_of(
    st.dictionaries(FIELDS, JSON_VALUES, max_size=5).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.binary(max_size=40),
    st.dictionaries(FIELDS, st.text(max_size=12), max_size=3).map(urlencode),
)
PATH_VALUES = st.one_of(st.integers(), st.text(max_size=24)).map(lambda v: quote(str(v), safe=""))
ENDPOINTS = [
    ("POST", "/sellers"),
    ("POST", "/auth/token"),
    ("GET", "/sellers"),
    ("GET", "/sellers/{id}"),
    ("GET", "/sellers/me"),
    ("POST", "/products"),
    ("PATCH", "/products/{id}"),
    ("DELETE", "/products/{id}"),
]


@pytest.fixture
async def seller_auth(client: httpx.AsyncClient) -> dict[str, str]:
    _, auth = await signed_up(client, "fuzzer")
    return auth


@hypothesis_settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    authenticated=st.booleans(),
    path_id=st.one_of(st.integers(-3, 60).map(str), PATH_VALUES),
    body=BODIES,
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", None]
    ),
    query=st.dictionaries(
        st.sampled_from(["page", "page_size", "unknown"]), st.text(max_size=12), max_size=2
    ),
)
async def test_no_input_to_the_seller_endpoints_yields_a_5xx(
    client: httpx.AsyncClient,
    seller_auth: dict[str, str],
    endpoint: tuple[str, str],
    authenticated: bool,
    path_id: str,
    body: str | bytes,
    content_type: str | None,
    query: dict[str, str],
) -> None:
    method, template = endpoint
    headers = dict(seller_auth) if authenticated else {}
    if content_type is not None:
        headers["content-type"] = content_type
    options: dict[str, Any] = {"params": query, "headers": headers}
    if method in ("POST", "PATCH"):
        options["content"] = body.encode() if isinstance(body, str) else body

    try:
        response = await client.request(method, template.format(id=path_id), **options)
    except Exception as error:  # the ASGI transport re-raises what the app did not handle
        pytest.fail(f"{method} {template} crashed the app (a 500): {error!r}", pytrace=False)

    assert response.status_code < 500, (response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert response.json()["detail"]
