"""Seller rules: sellers' accounts (see `shopkeep.accounts` for what they share with staff)
and the sellers the catalog shows.

Usernames are unique whatever their case ("Alice" and "alice" are one seller, who logs in with
either spelling); the spelling given at sign-up is the one shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update

from shopkeep.accounts.service import (
    USERNAME_MIN_LENGTH,
    USERNAME_PATTERN,
    USERNAME_RULE,
    AccountKind,
    SignedIn,
    TooManyLogins,
    UsernameTaken,
    account_columns,
    is_username,
)
from shopkeep.accounts.service import account_json as seller_json
from shopkeep.catalog.models import Product
from shopkeep.catalog.service import LISTED, PRODUCT_COLUMNS, product_json
from shopkeep.db import MAX_ID, Tx
from shopkeep.errors import NotFound
from shopkeep.sellers.models import Seller

# The account rules sellers share with staff, as the sellers' portal and API name them.
__all__ = [
    "USERNAME_MIN_LENGTH",
    "USERNAME_PATTERN",
    "USERNAME_RULE",
    "TooManyLogins",
    "UsernameTaken",
    "is_username",
    "seller_json",
]

SELLERS = AccountKind("seller", Seller)
# How many of a seller's products `get_seller` lists; `GET /products?seller_id=` pages through all.
SELLER_PRODUCTS_SHOWN = 100
# The seller a session or an access token was issued to.
SignedInSeller = SignedIn


class SellerNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Seller not found")


_SELLER_COLUMNS = account_columns(SELLERS)


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
