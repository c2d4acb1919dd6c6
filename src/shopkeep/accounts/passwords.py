"""Password hashing with Argon2id.

Hashing and verifying cost tens of milliseconds of CPU and 64 MiB of memory each, on purpose. They
run in a small pool of worker threads, one per core: the event loop keeps serving meanwhile, and
a burst of log-ins queues for a worker instead of exhausting memory. Callers run them outside any
database transaction (SQLite's writes share one transaction at a time).
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_LENGTH = 8
MAX_LENGTH = 256

_hasher = PasswordHash((Argon2Hasher(),))
_workers = ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="passwords")
_dummy_hash: str | None = None


def check_password(password: str) -> None:
    """ValueError, with a sentence for the user, unless the password is acceptable."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"Password must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"Password must be at most {MAX_LENGTH} characters long")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_workers, _hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Whether `password` matches `password_hash`, and a new hash to store when the stored one
    was made with other parameters than today's.

    Without a hash (no such account) the password is checked against a dummy hash all the same,
    so that an answer takes as long whether or not the username exists.
    """
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = await hash_password("no account has this password")
        await asyncio.get_running_loop().run_in_executor(_workers, _verify, password, _dummy_hash)
        return False, None
    return await asyncio.get_running_loop().run_in_executor(
        _workers, _verify, password, password_hash
    )


def _verify(password: str, password_hash: str) -> tuple[bool, str | None]:
    try:
        return _hasher.verify_and_update(password, password_hash)
    except PwdlibError:  # not a hash this version knows: no password matches it
        return False, None
