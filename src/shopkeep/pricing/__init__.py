"""Totals: shipping methods, discount codes and the pure arithmetic of an order's amounts."""
