"""The product grid's state as the URL holds it: search, category, filters, sort and page.

Anything a shopper can type or a shared link can hold is read leniently: a value that makes
no sense is left out of the query and explained next to its field, never a failed page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from urllib.parse import urlencode

from shopkeep.catalog.schemas import MAX_PAGE
from shopkeep.catalog.service import ProductQuery, SortField, SortOrder
from shopkeep.money import MAX_AMOUNT, ceil_cents, floor_cents
from shopkeep.numbers import NumberError, parse_decimal
from shopkeep.web.forms import parse_id

PAGE_SIZE = 12
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Sort:
    field: SortField
    order: SortOrder
    label: str


# The grid's sort choices, by their value in the URL ("" is the default order).
SORTS: dict[str, Sort] = {
    "": Sort("id", "asc", "Featured"),
    "price-asc": Sort("price", "asc", "Price: low to high"),
    "price-desc": Sort("price", "desc", "Price: high to low"),
    "rating-desc": Sort("rating", "desc", "Best rated"),
    "name-asc": Sort("name", "asc", "Name: A to Z"),
}
RATING_CHOICES = (4, 3, 2, 1)
_PRICE_ERRORS = {
    "low": "Prices start at 0.",
    "high": "That price is higher than anything in the shop.",
}


@dataclass(frozen=True, slots=True)
class ShopState:
    search: str = ""
    category: int | None = None
    brand: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: Decimal | None = None
    in_stock: bool = False
    sort: str = ""
    page: int = 1

    def params(self) -> dict[str, str]:
        """The URL parameters that differ from the defaults, in a stable order."""
        values = {
            "search": self.search,
            "category": "" if self.category is None else str(self.category),
            "brand": self.brand,
            "min_price": _plain(self.min_price),
            "max_price": _plain(self.max_price),
            "min_rating": _plain(self.min_rating),
            "in_stock": "1" if self.in_stock else "",
            "sort": self.sort,
            "page": "" if self.page == 1 else str(self.page),
        }
        return {name: value for name, value in values.items() if value}

    def url(self, **changes: object) -> str:
        """This state's address, with `changes` applied (`page` goes back to 1 unless given)."""
        changes.setdefault("page", self.page if not changes else 1)
        state = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        query = urlencode(state.params())
        return f"/?{query}" if query else "/"

    @property
    def filtered(self) -> bool:
        return bool(
            self.search
            or self.category
            or self.brand
            or self.min_price is not None
            or self.max_price is not None
            or self.min_rating is not None
            or self.in_stock
        )

    def query(self) -> ProductQuery:
        sort = SORTS[self.sort]
        return ProductQuery(
            category_id=self.category,
            brand=self.brand or None,
            min_price_cents=None if self.min_price is None else ceil_cents(self.min_price),
            max_price_cents=None if self.max_price is None else floor_cents(self.max_price),
            min_rating_tenths=None
            if self.min_rating is None
            else int((self.min_rating * 10).to_integral_value(rounding=ROUND_CEILING)),
            in_stock=self.in_stock,
            search=self.search or None,
            sort_by=sort.field,
            order=sort.order,
            page=self.page,
            page_size=PAGE_SIZE,
        )


def read_state(params: Mapping[str, str]) -> tuple[ShopState, dict[str, str]]:
    """The grid's state from the URL's parameters, and a message for each field left out."""
    errors: dict[str, str] = {}
    search = _text(params.get("search"), "search", "Search", errors)
    brand = _text(params.get("brand"), "brand", "Brand", errors)
    category = None
    if raw_category := (params.get("category") or "").strip():
        category = parse_id(raw_category)
        if category is None:
            errors["category"] = "That category does not exist."
    min_price = _amount(params.get("min_price"), "min_price", errors)
    max_price = _amount(params.get("max_price"), "max_price", errors)
    if min_price is not None and max_price is not None and min_price > max_price:
        errors["max_price"] = "The highest price is below the lowest price."
    min_rating = None
    if raw_rating := (params.get("min_rating") or "").strip():
        try:
            min_rating = parse_decimal(raw_rating, low=Decimal(0), high=Decimal(5))
        except NumberError:
            errors["min_rating"] = "Choose a rating from 0 to 5."
    sort = params.get("sort") or ""
    if sort not in SORTS:
        errors["sort"] = "That sort order is not available; showing featured products."
        sort = ""
    page = parse_id(params.get("page")) or 1
    state = ShopState(
        search=search,
        category=category,
        brand=brand,
        min_price=min_price,
        max_price=max_price,
        min_rating=min_rating,
        in_stock=(params.get("in_stock") or "").strip().lower() in ("1", "true", "on", "yes"),
        sort=sort,
        page=min(page, MAX_PAGE),
    )
    return state, errors


def page_links(current: int, last: int) -> list[int | None]:
    """Page numbers to offer: the first, the last and the two either side of the current one;
    None marks a gap."""
    # Checked number by number: a large catalog has thousands of pages.
    wanted = sorted(n for n in {1, last, *range(current - 2, current + 3)} if 1 <= n <= last)
    links: list[int | None] = []
    for number in wanted:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links


def _text(value: str | None, field: str, label: str, errors: dict[str, str]) -> str:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        errors[field] = f"{label} can be at most {MAX_TEXT} characters long."
        return ""
    if "\x00" in text:
        errors[field] = f"{label} cannot hold that character."
        return ""
    return text


def _amount(value: str | None, field: str, errors: dict[str, str]) -> Decimal | None:
    text = (value or "").strip().removeprefix("$").replace(",", "")
    if not text:
        return None
    try:
        return parse_decimal(text, low=Decimal(0), high=MAX_AMOUNT)
    except NumberError as error:
        errors[field] = _PRICE_ERRORS.get(error.kind, "Enter a price like 20 or 19.99.")
    return None


def _plain(value: Decimal | None) -> str:
    """`Decimal("20.5")` → `"20.5"`; `Decimal("2E+1")` → `"20"` (values come from
    `parse_decimal`, so the plain form is short)."""
    if value is None:
        return ""
    return f"{value:f}"
