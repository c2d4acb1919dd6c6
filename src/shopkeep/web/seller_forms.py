"""Reading the seller portal's forms: the same rules as the sellers API (its schemas and the
account checks), with each problem put in a seller's words next to the field it is about."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shopkeep.accounts import passwords
from shopkeep.money import display, to_cents
from shopkeep.sellers import service
from shopkeep.sellers.products import NewProduct
from shopkeep.sellers.schemas import AccountChanges, ProductChanges, ProductIn
from shopkeep.web import format
from shopkeep.web.forms import field_errors, length_problem

PRODUCT_FIELDS = ("name", "brand", "category_id", "price", "stock", "description")
BAD_CHARACTER = "This holds a character that cannot be stored (NUL): remove it."
CHOOSE_CATEGORY = "Choose one of the categories."


@dataclass(frozen=True, slots=True)
class ProductForm:
    """A product form as posted: the values as typed (to show them again), and either the
    validated product or what is wrong, by field."""

    values: dict[str, str]
    product: NewProduct | None = None
    errors: dict[str, str] = field(default_factory=dict)


# Values are shown again as typed, so that they can be corrected, up to this many characters
# (twice the longest field the API takes).
MAX_ECHO = 10_000


def typed_product(form: Mapping[str, str]) -> dict[str, str]:
    return {name: form.get(name, "")[:MAX_ECHO] for name in PRODUCT_FIELDS}


def product_values(product: Mapping[str, Any]) -> dict[str, str]:
    """A product as the form shows it for editing (the price with its two decimals)."""
    cents = format.cents_of(product["price"])
    return {
        "name": product["name"],
        "brand": product["brand"],
        "category_id": str(product["category_id"]),
        "price": f"{cents // 100}.{cents % 100:02d}",
        "stock": str(product["stock"]),
        "description": product["description"],
    }


def read_product(form: Mapping[str, str]) -> ProductForm:
    """Validate a posted product form with the API's own schema (`ProductIn`)."""
    values = typed_product(form)
    try:
        body = ProductIn.model_validate(
            {
                name: value if name == "description" else value.strip()
                for name, value in values.items()
            }
        )
    except ValidationError as error:
        errors = field_errors(
            error, PRODUCT_FIELDS, _product_message, fallback="Check the fields and try again."
        )
        return ProductForm(values, errors=errors)
    return ProductForm(values, product=body.new_product())


def read_stock(form: Mapping[str, str]) -> tuple[int | None, str]:
    """The stock typed in the product list's quick control: `(units, "")`, or `(None, what
    is wrong)` by the API's own rule for stock."""
    try:
        units = ProductChanges.model_validate({"stock": form.get("stock", "").strip()}).stock
    except ValidationError as error:
        return None, _product_message("stock", error.errors()[0])
    return units, ""


def read_seller_email(typed: str) -> tuple[str | None, str]:
    """The account form's address by the API's own rule (`AccountChanges`): `(address or None
    to remove it, "")`, or `(None, what is wrong)`."""
    text = typed.strip()
    try:
        changes = AccountChanges.model_validate({"email": text or None})
    except ValidationError as error:
        problem = error.errors()[0]
        return None, length_problem(problem) or "Enter an email address like name@example.com."
    return changes.email, ""


def changes_of(product: NewProduct) -> dict[str, Any]:
    """The edit form's columns: everything the form shows (the image is left as it is)."""
    return {
        "name": product.name,
        "brand": product.brand,
        "category_id": product.category_id,
        "price_cents": product.price_cents,
        "stock": product.stock,
        "description": product.description,
    }


def _product_message(name: str, problem: Mapping[str, Any]) -> str:
    kind: str = problem["type"]
    ctx: Mapping[str, Any] = problem.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return BAD_CHARACTER
    if (words := length_problem(problem)) is not None:
        return words
    if name == "name":
        return "Enter the product's name."
    if name == "category_id":
        return CHOOSE_CATEGORY
    if name == "price":
        if kind == "greater_than_equal":
            return f"The price must be at least {display(to_cents(ctx['ge']))}."
        if kind == "less_than_equal":
            return f"The price can be at most {display(to_cents(ctx['le']))}."
        if kind == "value_error":
            return "Use at most two decimals, like 19.99."
        return "Enter a price in dollars, like 19.99."
    if name == "stock":
        if kind == "greater_than_equal":
            return f"Stock cannot be below {ctx['ge']}."
        if kind == "less_than_equal":
            return f"Stock can be at most {ctx['le']:,} units."
        if kind == "int_parsing_size":
            return "That number is far too large for stock."
        return "Enter a whole number of units, like 0 or 25."
    return "Check this field."


def sign_up_errors(username: str, password: str, password_again: str) -> dict[str, str]:
    """What is wrong with a sign-up form, by field, by the sellers' own rules."""
    errors: dict[str, str] = {}
    if not service.is_username(username):
        errors["username"] = f"Choose a username of {service.USERNAME_RULE}."
    try:
        passwords.check_password(password)
    except ValueError as error:
        errors["password"] = f"{error}."
    else:
        if password_again != password:
            errors["password_again"] = "The two passwords differ: type the same one twice."
    return errors
