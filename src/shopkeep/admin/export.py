"""The orders export: CSV, one row per order line, streamed.

The rows are read a chunk of orders at a time, each chunk in its own short read transaction
(keyset pagination, see `orders.export_chunk`), and written out as they come: memory holds one
chunk, whatever the number of orders. Cells are spreadsheet-safe: a value that a spreadsheet
would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
written with a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from typing import Any

from shopkeep.admin.orders import After, ExportLine, OrderFilter, export_chunk
from shopkeep.db import Database

HEADER = (
    "order_id",
    "created_at",
    "status",
    "currency",
    "order_total",
    "product_id",
    "product_name",
    "unit_price",
    "quantity",
    "line_total",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ORDERS_PER_CHUNK = 500
MEDIA_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: Any) -> str:
    """`value` as a cell no spreadsheet runs as a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _amount(cents: int) -> str:
    """Two decimals always, as accounts read them: `1250` → `12.50`."""
    whole, fraction = divmod(cents, 100)
    return f"{whole}.{fraction:02d}"


def _row(line: ExportLine) -> tuple[Any, ...]:
    return (
        line.order_id,
        line.created_at.isoformat(),
        line.status,
        line.currency,
        _amount(line.order_total_cents),
        line.product_id,
        line.name,
        _amount(line.unit_price_cents),
        line.quantity,
        _amount(line.unit_price_cents * line.quantity),
    )


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


async def orders_csv(
    database: Database, found: OrderFilter, *, orders_per_chunk: int = ORDERS_PER_CHUNK
) -> AsyncIterator[bytes]:
    """The matching orders' lines as CSV, newest order first: the header, then a piece per
    chunk of orders."""
    yield csv_text([HEADER]).encode()
    after: After | None = None
    while True:
        lines, after = await database.read(
            export_chunk, found, after, orders_per_chunk=orders_per_chunk
        )
        if lines:
            yield csv_text(_row(line) for line in lines).encode()
        if after is None:
            return


def download_headers(found: OrderFilter) -> dict[str, str]:
    """A download named after the filters, kept by no shared cache."""
    return {
        "Content-Disposition": f'attachment; filename="{file_name(found)}"',
        "Cache-Control": "private, no-store",
    }


def file_name(found: OrderFilter) -> str:
    parts = ["orders"]
    for status in (found.status, found.payment_status, found.fulfilment_status):
        if status:
            parts.append(status.replace("_", "-"))
    if found.created_from:
        parts.append(f"from-{found.created_from.isoformat()}")
    if found.created_to:
        parts.append(f"to-{found.created_to.isoformat()}")
    return "-".join(parts) + ".csv"
