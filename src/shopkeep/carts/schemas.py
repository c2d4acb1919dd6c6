from __future__ import annotations

from pydantic import BaseModel, Field


class AddItem(BaseModel):
    product_id: int
    quantity: int = Field(default=1, description="Units to add; adding again adds up (1..1000).")


class SetQuantity(BaseModel):
    quantity: int = Field(description="The line's new quantity; 0 removes the line.")


class CartCreated(BaseModel):
    cart_id: str


class CartLine(BaseModel):
    cart_id: str
    product_id: int
    quantity: int


class CartItemOut(BaseModel):
    product_id: int
    name: str
    price: float
    quantity: int
    line_total: float = Field(description="0 when the product is no longer available.")
    available: bool = Field(
        description="False when the seller deleted the product: the line cannot be checked out "
        "and counts nowhere in the total; remove it to check out."
    )


class CartOut(BaseModel):
    cart_id: str
    items: list[CartItemOut]
    total: float = Field(
        description="The lines' total; in a preview, what checkout would charge: "
        "subtotal - discount + shipping."
    )
    # Only in a preview (`shipping_method` or `discount_code` asked):
    subtotal: float | None = None
    discount: float | None = None
    shipping: float | None = None
    shipping_method: str | None = None
    discount_code: str | None = Field(default=None, description="The code applied, if any.")
    discount_error: str | None = Field(default=None, description="Why the code was not applied.")
    shipping_error: str | None = Field(default=None, description="Why the method is unknown.")


class ItemRemoved(BaseModel):
    cart_id: str
    removed_product_id: int
