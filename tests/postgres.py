"""A throwaway PostgreSQL server for the test suite (the one `make cluster` starts too)."""

from shopkeep.cluster.postgres import find_bindir, free_port, postgres_server

__all__ = ["find_bindir", "free_port", "postgres_server"]
