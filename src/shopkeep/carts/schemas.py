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
    total: float


class ItemRemoved(BaseModel):
    cart_id: str
    removed_product_id: int
