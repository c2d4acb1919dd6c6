"""Accounts that log in with a username and a password: sellers and staff.

Both kinds share the rules here: usernames, Argon2 password hashing, the log-in limiter and
signed access tokens. Each kind has its own table and its own token audience, so an account of
one kind never passes for the other.
"""
