"""Typed dependencies of the store's routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from shopkeep.db import MAX_ID, MIN_ID
from shopkeep.deps import DatabaseDep, PaymentsDep, SettingsDep

__all__ = ["DatabaseDep", "IdInPath", "PaymentsDep", "SettingsDep"]


# A path id outside the database's range is refused (422); any other unknown id is simply not
# found (404).
IdInPath = Annotated[int, Path(ge=MIN_ID, le=MAX_ID)]
