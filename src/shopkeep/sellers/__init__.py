"""Sellers: accounts, password hashing, access tokens and the products they manage."""
