"""Seller rules: accounts, and the log-in limiter's counter.

Usernames are unique whatever their case ("Alice" and "alice" are one seller, who logs in with
either spelling); the spelling given at sign-up is the one shown.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from shopkeep.catalog.models import Product
from shopkeep.catalog.service import LISTED, PRODUCT_COLUMNS, product_json
from shopkeep.db import MAX_ID, Tx, utcnow
from shopkeep.errors import BadRequest, Conflict, NotFound, TooManyRequests
from shopkeep.sellers.models import USERNAME_MAX_LENGTH, LoginAttempts, Seller

USERNAME_MIN_LENGTH = 3
USERNAME_PATTERN = rf"^[A-Za-z0-9_.-]{{{USERNAME_MIN_LENGTH},{USERNAME_MAX_LENGTH}}}$"
USERNAME_RULE = (
    f"{USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters: letters, digits, '_', '.' or '-'"
)
_USERNAME = re.compile(USERNAME_PATTERN)
# How many of a seller's products `get_seller` lists; `GET /products?seller_id=` pages through all.
SELLER_PRODUCTS_SHOWN = 100


class UsernameTaken(Conflict):
    def __init__(self) -> None:
        super().__init__("Username is already taken")


class SellerNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Seller not found")


class TooManyLogins(TooManyRequests):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "Too many log-in attempts for this username; "
            f"try again in {retry_after_seconds} seconds",
            retry_after_seconds,
        )


@dataclass(frozen=True, slots=True)
class SignedInSeller:
    """The seller an access token was issued to."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    seller_id: int
    username: str
    password_hash: str


def is_username(value: str) -> bool:
    return _USERNAME.fullmatch(value) is not None


def check_username(username: str) -> None:
    if not is_username(username):
        raise BadRequest(f"Username must be {USERNAME_RULE}")


def username_key(username: str) -> str:
    """What uniqueness and log-in compare (usernames are ASCII, so SQL's lower() agrees)."""
    return username.lower()


def seller_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "username": row.username, "created_at": row.created_at.isoformat()}


_SELLER_COLUMNS = (Seller.id, Seller.username, Seller.created_at)


async def username_taken(tx: Tx, username: str) -> bool:
    key = username_key(username)
    return await tx.scalar(select(Seller.id).where(Seller.username_key == key)) is not None


async def create_seller(
    tx: Tx,
    username: str,
    password_hash: str,
    *,
    email: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A new seller with an already hashed password (and an email address already validated,
    if any); UsernameTaken if the name is in use in any case."""
    check_username(username)
    insert_ = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    row = (
        await tx.execute(
            insert_(Seller)
            .values(
                username=username,
                password_hash=password_hash,
                email=email,
                created_at=now or utcnow(),
            )
            .on_conflict_do_nothing(index_elements=[Seller.username_key])
            .returning(*_SELLER_COLUMNS)
        )
    ).first()
    if row is None:
        raise UsernameTaken()
    return seller_json(row)


async def list_sellers(tx: Tx, page: int = 1, page_size: int = 50) -> list[dict[str, Any]]:
    rows = await tx.execute(
        select(*_SELLER_COLUMNS).order_by(Seller.id).limit(page_size).offset((page - 1) * page_size)
    )
    return [seller_json(row) for row in rows]


async def get_seller(
    tx: Tx, seller_id: int, *, products_shown: int = SELLER_PRODUCTS_SHOWN
) -> dict[str, Any]:
    """The seller with the number of its products in the catalog and the first of them."""
    if not 1 <= seller_id <= MAX_ID:
        raise SellerNotFound()
    row = (await tx.execute(select(*_SELLER_COLUMNS).where(Seller.id == seller_id))).first()
    if row is None:
        raise SellerNotFound()
    [seller] = await _with_products(tx, [row], products_shown)
    return seller


async def get_own_account(tx: Tx, seller_id: int) -> dict[str, Any]:
    """The seller as `get_seller` shows them, plus what only they see: their email address."""
    seller = await get_seller(tx, seller_id)
    email = await tx.scalar(select(Seller.email).where(Seller.id == seller_id))
    return {**seller, "email": email}


async def set_email(tx: Tx, seller_id: int, email: str | None) -> dict[str, Any]:
    """Change (or, with None, remove) the address a seller's order emails go to; the address
    is validated by the caller."""
    await tx.execute(update(Seller).where(Seller.id == seller_id).values(email=email))
    return await get_own_account(tx, seller_id)


async def list_sellers_with_products(
    tx: Tx, page: int = 1, page_size: int = 50, *, products_shown: int = SELLER_PRODUCTS_SHOWN
) -> list[dict[str, Any]]:
    """A page of sellers in the order they signed up, each as `get_seller` shows it."""
    rows = (
        await tx.execute(
            select(*_SELLER_COLUMNS)
            .order_by(Seller.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
    ).all()
    return await _with_products(tx, rows, products_shown)


async def _with_products(
    tx: Tx, sellers: Sequence[Any], products_shown: int
) -> list[dict[str, Any]]:
    if not sellers:
        return []
    ids = [seller.id for seller in sellers]
    counted = await tx.execute(
        select(Product.seller_id, func.count().label("product_count"))
        .where(Product.seller_id.in_(ids), LISTED)
        .group_by(Product.seller_id)
    )
    counts = {row.seller_id: int(row.product_count) for row in counted}
    shown = []
    for seller in sellers:
        products = await tx.execute(
            select(*PRODUCT_COLUMNS)
            .where(Product.seller_id == seller.id, LISTED)
            .order_by(Product.id)
            .limit(products_shown)
        )
        shown.append(
            {
                **seller_json(seller),
                "product_count": counts.get(seller.id, 0),
                "products": [product_json(product) for product in products],
            }
        )
    return shown


async def signed_in_seller(tx: Tx, seller_id: int) -> SignedInSeller | None:
    row = (
        await tx.execute(select(Seller.id, Seller.username).where(Seller.id == seller_id))
    ).first()
    return None if row is None else SignedInSeller(id=row.id, username=row.username)


async def start_login(
    tx: Tx, username: str, *, limit: int, window: timedelta, now: datetime | None = None
) -> StoredCredentials | None:
    """Count a log-in attempt for `username`, then return its stored credentials (None for an
    unknown username, which is counted all the same).

    The attempt is counted before the password is checked, in one atomic statement, so that
    concurrent guesses cannot slip past the limit. Past `limit` attempts within `window` of the
    first, TooManyLogins says when the window ends (and this attempt is not counted).
    """
    now = now or utcnow()
    key = username_key(username)
    insert_ = postgresql.insert if tx.dialect == "postgresql" else sqlite.insert
    statement = insert_(LoginAttempts).values(username_key=key, window_start=now, attempts=1)
    window_over = LoginAttempts.window_start <= now - window
    counted = (
        await tx.execute(
            statement.on_conflict_do_update(
                index_elements=[LoginAttempts.username_key],
                set_={
                    "window_start": case(
                        (window_over, statement.excluded.window_start),
                        else_=LoginAttempts.window_start,
                    ),
                    "attempts": case((window_over, 1), else_=LoginAttempts.attempts + 1),
                },
            ).returning(LoginAttempts.window_start, LoginAttempts.attempts)
        )
    ).one()
    if counted.attempts > limit:
        remaining = (counted.window_start + window - now).total_seconds()
        raise TooManyLogins(max(1, math.ceil(remaining)))
    row = (
        await tx.execute(
            select(Seller.id, Seller.username, Seller.password_hash).where(
                Seller.username_key == key
            )
        )
    ).first()
    if row is None:
        return None
    return StoredCredentials(
        seller_id=row.id, username=row.username, password_hash=row.password_hash
    )


async def finish_login(
    tx: Tx, credentials: StoredCredentials, new_password_hash: str | None
) -> None:
    """After a correct password: the username's attempts start over, and a hash made with
    outdated parameters is replaced."""
    key = username_key(credentials.username)
    await tx.execute(delete(LoginAttempts).where(LoginAttempts.username_key == key))
    if new_password_hash is not None:
        await tx.execute(
            update(Seller)
            .where(Seller.id == credentials.seller_id)
            .values(password_hash=new_password_hash)
        )


async def forget_old_login_attempts(
    tx: Tx, *, window: timedelta, now: datetime | None = None
) -> int:
    """Drop counters whose window is over (they would start over anyway). Returns how many."""
    result = await tx.execute(
        delete(LoginAttempts).where(LoginAttempts.window_start <= (now or utcnow()) - window)
    )
    return int(getattr(result, "rowcount", 0) or 0)
