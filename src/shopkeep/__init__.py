"""Shopkeep: a small, fast, self-hostable e-commerce engine."""

__version__ = "0.1.0"
