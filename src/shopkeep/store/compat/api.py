"""Seed 002's endpoints under `/api`, over the store's own data and rules.

Producers are sellers (same accounts, passwords, access tokens and ownership rules), products
are the catalog's, a shopping cart is a cart opened by its own bearer token, and checkout is the
store's checkout, paid at once (seed 002 has no payment step).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response

from shopkeep.carts import service as carts
from shopkeep.carts import tokens as cart_tokens
from shopkeep.catalog import service as catalog
from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.db import MAX_ID, MIN_ID
from shopkeep.errors import NotFound, Unauthorized, error_responses
from shopkeep.http import JSON
from shopkeep.money import as_json_number
from shopkeep.orders import service as orders
from shopkeep.sellers import accounts, products, tokens
from shopkeep.sellers import service as sellers
from shopkeep.sellers.deps import CurrentSeller
from shopkeep.sellers.schemas import SignUp
from shopkeep.sellers.service import SignedInSeller
from shopkeep.store.compat import service
from shopkeep.store.compat.deps import AuthorizedCart
from shopkeep.store.compat.schemas import (
    ApiProduct,
    CartLine,
    CheckedOut,
    Message,
    NewProduct,
    OwnerClaim,
    Producer,
    ProducerSignedUp,
    ProductChanges,
    ProductList,
    ShoppingCart,
    ShoppingCartCreated,
)
from shopkeep.store.deps import DatabaseDep, IdInPath, SettingsDep

TAG = "seed 002 compatibility"
# Seed 002 lists everything at once; here a list is a page, the first one by default.
PAGE_SIZE = 100

router = APIRouter(prefix="/api", tags=[TAG])

Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=PAGE_SIZE)]


class ProducerNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("Producer not found")


class NotTheTokensProducer(Unauthorized):
    def __init__(self) -> None:
        super().__init__("producer_id is not the producer of the access token")


def _check_claim(seller: SignedInSeller, producer_id: int | None) -> None:
    """Seed 002's clients name the producer in the body; it must be the token's."""
    if producer_id is not None and producer_id != seller.id:
        raise NotTheTokensProducer()


# --- producers ----------------------------------------------------------------------------------


@router.post("/producer", response_model=ProducerSignedUp, responses=error_responses(400, 409))
async def sign_up(database: DatabaseDep, settings: SettingsDep, body: SignUp) -> Response:
    """Create a producer (a seller account). `auth_token` is a seller's access token: it works
    here and on the store's own seller endpoints alike."""
    seller = await accounts.sign_up(database, body.username, body.password)
    token = tokens.issue_token(
        settings.resolved_secret_key, seller["id"], minutes=settings.token_minutes
    )
    producer = {"id": seller["id"], "username": seller["username"], "product_count": 0}
    return JSON({"auth_token": token, "producer": {**producer, "products": []}})


@router.get("/producer", response_model=list[Producer])
async def list_producers(
    database: DatabaseDep, page: Page = 1, page_size: PageSize = PAGE_SIZE
) -> Response:
    """Producers in the order they signed up, a page at a time (100 by default)."""
    page_of_sellers = await database.read(sellers.list_sellers_with_products, page, page_size)
    return JSON([service.api_producer(seller) for seller in page_of_sellers])


@router.get("/producer/{producer_id}", response_model=Producer, responses=error_responses(404))
async def get_producer(database: DatabaseDep, producer_id: IdInPath) -> Response:
    try:
        seller = await database.read(sellers.get_seller, producer_id)
    except sellers.SellerNotFound as error:
        raise ProducerNotFound() from error
    return JSON(service.api_producer(seller))


# --- products -----------------------------------------------------------------------------------


@router.get("/products", response_model=ProductList)
async def list_products(
    database: DatabaseDep,
    min_inventory_count: Annotated[
        int,
        Query(
            alias="min-inventory-count",
            ge=MIN_ID,
            le=MAX_ID,
            description="Only products with at least this many in stock (0 or less: all).",
        ),
    ] = 1,
    page: Page = 1,
    page_size: PageSize = PAGE_SIZE,
) -> Response:
    """Products by id, a page at a time (100 by default); `total` counts every match."""
    query = catalog.ProductQuery(
        min_stock=min_inventory_count if min_inventory_count > 0 else None,
        page=page,
        page_size=page_size,
    )
    found = await database.read(catalog.search_products, query)
    return JSON({**found, "products": [service.api_product(p) for p in found["products"]]})


@router.post("/products", response_model=ApiProduct, responses=error_responses(400, 401))
async def create_product(
    database: DatabaseDep, seller: CurrentSeller, body: NewProduct
) -> Response:
    """Add a product owned by the producer of the access token."""
    _check_claim(seller, body.producer_id)
    return JSON(await database.write(service.create_product, seller.id, body))


@router.get("/products/{product_id}", response_model=ApiProduct, responses=error_responses(404))
async def get_product(database: DatabaseDep, product_id: IdInPath) -> Response:
    return JSON(service.api_product(await database.read(catalog.get_product, product_id)))


@router.put(
    "/products/{product_id}",
    response_model=ApiProduct,
    responses=error_responses(400, 401, 403, 404),
)
async def update_product(
    database: DatabaseDep, seller: CurrentSeller, product_id: IdInPath, body: ProductChanges
) -> Response:
    """Change the title, price or inventory count of one of your products: only the fields
    given change."""
    _check_claim(seller, body.producer_id)
    return JSON(await database.write(service.update_product, seller.id, product_id, body.columns()))


@router.delete(
    "/products/{product_id}", response_model=Message, responses=error_responses(401, 403, 404)
)
async def delete_product(
    database: DatabaseDep,
    seller: CurrentSeller,
    product_id: IdInPath,
    body: OwnerClaim | None = None,
) -> Response:
    """Take one of your products out of the catalog; orders keep their lines."""
    _check_claim(seller, body.producer_id if body else None)
    await database.write(products.delete_product, seller.id, product_id)
    return JSON({"message": f"Product {product_id} deleted"})


# --- shopping carts -----------------------------------------------------------------------------


@router.post("/shopping_cart", response_model=ShoppingCartCreated)
async def create_cart(database: DatabaseDep, settings: SettingsDep) -> Response:
    """A new, empty cart and the token that opens it (it does not expire; it stops working
    when the cart is deleted or checked out)."""
    cart = await database.write(service.new_cart)
    token = cart_tokens.issue_cart_token(settings.resolved_secret_key, cart.cart_id)
    return JSON({"auth_token": token, "shopping_cart": service.api_cart(cart)})


@router.get(
    "/shopping_cart/{shopping_cart_id}",
    response_model=ShoppingCart,
    responses=error_responses(401, 404),
)
async def get_cart(
    database: DatabaseDep,
    cart_id: AuthorizedCart,
    use_cache: Annotated[
        int,
        Query(
            alias="use-cache",
            description="0: refresh `cached_price` at today's prices (and keep it); "
            "anything else: the cached price as it is.",
        ),
    ] = 1,
) -> Response:
    if use_cache == 0:
        cart = await database.write(service.refreshed_cart, cart_id)
    else:
        cart = await database.read(carts.cart_contents, cart_id)
    return JSON(service.api_cart(cart))


@router.put(
    "/shopping_cart/{shopping_cart_id}",
    response_model=ShoppingCart,
    responses=error_responses(400, 401, 404),
)
async def put_line(database: DatabaseDep, cart_id: AuthorizedCart, body: CartLine) -> Response:
    """Set how many of a product the cart holds (0 removes it). Refused with 400 when the
    quantity is above the product's stock."""
    cart = await database.write(service.put_line, cart_id, body.product_id, body.quantity)
    return JSON(service.api_cart(cart))


@router.delete(
    "/shopping_cart/{shopping_cart_id}",
    response_model=Message,
    responses=error_responses(401, 404),
)
async def delete_cart(database: DatabaseDep, cart_id: AuthorizedCart) -> Response:
    await database.write(carts.delete_cart, cart_id)
    return JSON({"message": f"Shopping cart {cart_id} deleted"})


@router.post(
    "/shopping_cart/{shopping_cart_id}/checkout",
    response_model=CheckedOut,
    responses=error_responses(400, 401, 404),
)
async def checkout(
    database: DatabaseDep, settings: SettingsDep, cart_id: AuthorizedCart
) -> Response:
    """Buy everything in the cart at today's prices, all or nothing: the stock is reserved as
    the store's checkout does, and the order is paid at once (there is no payment step), which
    closes the cart."""
    ttl = timedelta(minutes=settings.order_ttl_minutes)
    order = await database.write(orders.checkout_and_mark_paid, cart_id, ttl)
    return JSON(
        {
            "message": service.checkout_message(order.total_cents),
            "order_id": order.order_id,
            "total": as_json_number(order.total_cents),
        }
    )
