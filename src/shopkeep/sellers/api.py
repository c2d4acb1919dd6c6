"""Seller endpoints: sign-up, log-in, profiles, and managing one's own products."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Response

from shopkeep.accounts.logins import token_for_log_in
from shopkeep.accounts.schemas import AccessToken, LogInForm
from shopkeep.catalog.schemas import MAX_PAGE, ProductDetail
from shopkeep.errors import error_responses
from shopkeep.http import JSON
from shopkeep.sellers import accounts, products, service, tokens
from shopkeep.sellers.deps import CurrentSeller
from shopkeep.sellers.orders_api import router as orders_router
from shopkeep.sellers.schemas import (
    AccountChanges,
    OwnAccount,
    ProductChanges,
    ProductIn,
    SellerDetail,
    SellerOut,
    SignedUp,
    SignUp,
)
from shopkeep.sellers.service import SELLERS
from shopkeep.store.deps import DatabaseDep, IdInPath, SettingsDep

router = APIRouter(tags=["sellers"])


@router.post(
    "/sellers", status_code=201, response_model=SignedUp, responses=error_responses(400, 409)
)
async def sign_up(database: DatabaseDep, settings: SettingsDep, body: SignUp) -> Response:
    """Create a seller account; the answer carries an access token, as a log-in would."""
    seller = await accounts.sign_up(database, body.username, body.password, body.email)
    token = tokens.issue_token(
        settings.resolved_secret_key, seller["id"], minutes=settings.token_minutes
    )
    return JSON({"seller": seller, "access_token": token, "token_type": "bearer"}, status_code=201)


@router.post("/auth/token", response_model=AccessToken, responses=error_responses(401, 429))
async def log_in(
    database: DatabaseDep, settings: SettingsDep, form: Annotated[LogInForm, Form()]
) -> Response:
    """The OAuth2 password flow: a form with `username` and `password` (any case of the
    username). Repeated attempts for one username are limited (429 with `Retry-After`)."""
    return JSON(await token_for_log_in(database, settings, SELLERS, form, audience=None))


@router.get("/sellers", response_model=list[SellerOut])
async def list_sellers(
    database: DatabaseDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Response:
    """Sellers in the order they signed up."""
    return JSON(await database.read(service.list_sellers, page, page_size))


@router.get("/sellers/me", response_model=OwnAccount, responses=error_responses(401))
async def get_me(database: DatabaseDep, seller: CurrentSeller) -> Response:
    """The seller the access token belongs to, with their products and email address."""
    return JSON(await database.read(service.get_own_account, seller.id))


@router.patch("/sellers/me", response_model=OwnAccount, responses=error_responses(401))
async def change_me(database: DatabaseDep, seller: CurrentSeller, body: AccountChanges) -> Response:
    """Change your account: `email` (null removes it; without one you get no order emails)."""
    if "email" not in body.model_fields_set:
        return JSON(await database.read(service.get_own_account, seller.id))
    return JSON(await database.write(service.set_email, seller.id, body.email))


@router.get("/sellers/{seller_id}", response_model=SellerDetail, responses=error_responses(404))
async def get_seller(database: DatabaseDep, seller_id: IdInPath) -> Response:
    return JSON(await database.read(service.get_seller, seller_id))


@router.post(
    "/products",
    status_code=201,
    response_model=ProductDetail,
    responses=error_responses(400, 401),
    tags=["catalog"],
)
async def create_product(database: DatabaseDep, seller: CurrentSeller, body: ProductIn) -> Response:
    """Add a product to the catalog, owned by the seller of the access token."""
    product = body.new_product()
    return JSON(await database.write(products.create_product, seller.id, product), status_code=201)


@router.patch(
    "/products/{product_id}",
    response_model=ProductDetail,
    responses=error_responses(400, 401, 403, 404),
    tags=["catalog"],
)
async def update_product(
    database: DatabaseDep, seller: CurrentSeller, product_id: IdInPath, body: ProductChanges
) -> Response:
    """Change one of your products: only the fields given change."""
    return JSON(
        await database.write(products.update_product, seller.id, product_id, body.columns())
    )


@router.delete(
    "/products/{product_id}",
    status_code=204,
    responses=error_responses(401, 403, 404),
    tags=["catalog"],
)
async def delete_product(
    database: DatabaseDep, seller: CurrentSeller, product_id: IdInPath
) -> Response:
    """Take one of your products out of the catalog. Carts holding it show it as unavailable;
    orders keep their lines."""
    await database.write(products.delete_product, seller.id, product_id)
    return Response(status_code=204)


# A seller's orders and sales (`/sellers/me/orders`, `/sellers/me/sales`).
router.include_router(orders_router)
