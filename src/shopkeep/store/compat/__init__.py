"""Seed 002's API under `/api`: producers, products and shopping carts, translated onto the
store's own sellers, catalog, carts and orders."""
