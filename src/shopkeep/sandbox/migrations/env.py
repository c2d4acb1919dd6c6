"""Alembic environment of the payment sandbox's schema (its own version table)."""

from __future__ import annotations

from shopkeep.migrate import run_environment
from shopkeep.sandbox.models import SandboxBase

run_environment(SandboxBase.metadata, version_table="sandbox_alembic_version")
