"""Alembic environment of the store's schema."""

from __future__ import annotations

from typing import Any

from shopkeep.migrate import run_environment
from shopkeep.models import Base

# Objects the migrations create that SQLAlchemy models cannot describe: the SQLite full-text
# index (a virtual table and its shadow tables) and PostgreSQL's trigram indexes.
UNMODELLED_PREFIXES = ("products_search", "ix_products_name_trgm", "ix_products_description_trgm")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (reflected and name is not None and name.startswith(UNMODELLED_PREFIXES))


run_environment(Base.metadata, include_object=include_object)
