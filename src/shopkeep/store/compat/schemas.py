"""Request and response shapes of seed 002's API: products have a `title`, a `price` and an
`inventory_count`; producers are sellers; a shopping cart is a cart."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shopkeep.db import MAX_ID
from shopkeep.money import to_cents
from shopkeep.sellers.schemas import CategoryId, Price, ProductName, Stock

ProducerId = Annotated[
    int | None,
    Field(
        ge=1,
        le=MAX_ID,
        description="Optional: when given, it must be the producer of the access token (401 "
        "otherwise). The owner always comes from the token.",
    ),
]


class ApiProduct(BaseModel):
    id: int
    producer_id: int | None = Field(description="null for the store's own catalog.")
    title: str
    price: float
    inventory_count: int


class Producer(BaseModel):
    id: int
    username: str
    product_count: int = Field(description="The producer's products in the catalog.")
    products: list[ApiProduct] = Field(
        description="The first 100, by id; `GET /products?seller_id=` pages through all."
    )


class ProducerSignedUp(BaseModel):
    auth_token: str = Field(description="A seller's access token: `Authorization: Bearer ...`.")
    producer: Producer


class ProductList(BaseModel):
    products: list[ApiProduct]
    total: int = Field(description="How many products match, over every page.")
    page: int
    page_size: int


class _PricedBody(BaseModel):
    """`price`, or `cost` as seed 002's request examples call it: either one, not both."""

    model_config = ConfigDict(extra="forbid")

    producer_id: ProducerId = None
    price: Price | None = None
    cost: Price | None = Field(default=None, description="Another name for `price`.")

    @model_validator(mode="after")
    def _one_price(self) -> _PricedBody:
        if self.price is not None and self.cost is not None and self.price != self.cost:
            raise ValueError("give the price as `price` or as `cost`, not both")
        return self

    @property
    def unit_price(self) -> Decimal | None:
        return self.price if self.price is not None else self.cost


class NewProduct(_PricedBody):
    title: ProductName
    inventory_count: Stock = 0
    category_id: CategoryId | None = Field(
        default=None,
        description="Not in seed 002: the store category to list the product in; by default "
        "the store's first category.",
    )

    @model_validator(mode="after")
    def _priced(self) -> NewProduct:
        if self.unit_price is None:
            raise ValueError("a product needs a price (`price` or `cost`)")
        return self


class ProductChanges(_PricedBody):
    """Only the fields given change."""

    title: ProductName | None = None
    inventory_count: Stock | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ProductChanges:
        for name in self.model_fields_set - {"producer_id"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def columns(self) -> dict[str, Any]:
        """The changes as the catalog's column values (price in cents)."""
        changes: dict[str, Any] = {}
        if self.title is not None:
            changes["name"] = self.title
        if (price := self.unit_price) is not None:
            changes["price_cents"] = to_cents(price)
        if self.inventory_count is not None:
            changes["stock"] = self.inventory_count
        return changes


class OwnerClaim(BaseModel):
    """The optional body of `DELETE /api/products/{id}`."""

    model_config = ConfigDict(extra="forbid")

    producer_id: ProducerId = None


class CartLine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: int
    quantity: int = Field(description="The quantity to hold (0..1000); 0 removes the product.")


class CartEntry(BaseModel):
    id: int = Field(description="A cart holds one entry per product: the product's id.")
    shopping_cart_id: str
    quantity: int
    product_id: int
    product: ApiProduct
    available: bool = Field(
        description="False when the producer deleted the product: remove it to check out."
    )


class ShoppingCart(BaseModel):
    id: str = Field(description="32 lowercase hex characters.")
    cached_price: float = Field(
        description="The total as of the last change to the cart's entries; a later price "
        "change shows here only with `use-cache=0` or at checkout."
    )
    shopping_cart_entries: list[CartEntry]


class ShoppingCartCreated(BaseModel):
    auth_token: str = Field(description="The cart's own token: `Authorization: Bearer ...`.")
    shopping_cart: ShoppingCart


class Message(BaseModel):
    message: str


class CheckedOut(Message):
    order_id: str = Field(description="The order, paid: `GET /orders/{order_id}`.")
    total: float
