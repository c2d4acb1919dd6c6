"""Request and response shapes of the sellers API."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shopkeep.accounts.schemas import AccessToken, Password, Username
from shopkeep.catalog.schemas import NO_NUL, ProductOut
from shopkeep.db import MAX_ID
from shopkeep.inventory.service import MAX_STOCK
from shopkeep.money import MAX_AMOUNT, to_cents
from shopkeep.orders.details import Email
from shopkeep.sellers.products import NewProduct

SellerEmail = Annotated[
    Email | None,
    Field(description="Where order emails for this seller's products go; null: none."),
]


class SignUp(BaseModel):
    username: Username
    password: Password
    email: SellerEmail = None


class AccountChanges(BaseModel):
    """`PATCH /sellers/me`: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    email: SellerEmail = None


class SellerOut(BaseModel):
    id: int
    username: str
    created_at: str


class SellerDetail(SellerOut):
    product_count: int = Field(description="Products of this seller in the catalog.")
    products: list[ProductOut] = Field(
        description="The first 100, by id; `GET /products?seller_id=` pages through all."
    )


class OwnAccount(SellerDetail):
    email: str | None


class SignedUp(AccessToken):
    seller: SellerOut


def _exact_cents(price: Decimal) -> Decimal:
    try:
        to_cents(price)
    except ValueError as error:
        raise ValueError("price must have at most two decimals") from error
    return price


ProductName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
Description = Annotated[str, StringConstraints(max_length=5000, pattern=NO_NUL)]
Brand = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=NO_NUL)]
Price = Annotated[
    Decimal,
    Field(ge=Decimal("0.01"), le=MAX_AMOUNT, description="At most two decimals, e.g. 19.99."),
    AfterValidator(_exact_cents),
]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK)]
CategoryId = Annotated[int, Field(ge=1, le=MAX_ID)]
# A web address or a path on this site; no spaces or control characters.
ImageUrl = Annotated[
    str,
    StringConstraints(max_length=500, pattern=r"^(https?://|/)[^\s\x00-\x1f\x7f]*$"),
    Field(description="An http(s) address or a path on this site; null: the generated image."),
]


class _ProductBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _owner_comes_from_the_token(cls, data: Any) -> Any:
        if isinstance(data, dict) and "seller_id" in data:
            raise ValueError("seller_id comes from the access token; leave it out")
        return data


class ProductIn(_ProductBody):
    name: ProductName
    category_id: CategoryId
    price: Price
    stock: Stock = 0
    description: Description = ""
    brand: Brand = ""
    image_url: ImageUrl | None = None

    def new_product(self) -> NewProduct:
        """The product to create, its price in cents."""
        return NewProduct(
            name=self.name,
            category_id=self.category_id,
            price_cents=to_cents(self.price),
            stock=self.stock,
            description=self.description,
            brand=self.brand,
            image_url=self.image_url,
        )


class ProductChanges(_ProductBody):
    """Only the fields given change."""

    name: ProductName | None = None
    category_id: CategoryId | None = None
    price: Price | None = None
    stock: Stock | None = None
    description: Description | None = None
    brand: Brand | None = None
    image_url: ImageUrl | None = None

    @model_validator(mode="after")
    def _only_the_image_may_be_null(self) -> ProductChanges:
        for name in self.model_fields_set - {"image_url"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def columns(self) -> dict[str, Any]:
        """The changes as column values (price in cents)."""
        changes = self.model_dump(exclude_unset=True)
        if "price" in changes:
            changes["price_cents"] = to_cents(changes.pop("price"))
        return changes
