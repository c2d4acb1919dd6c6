"""When to try background work again: exponential backoff with jitter, up to a cap."""

from __future__ import annotations

import random


def retry_delay(
    attempt: int, *, first: float, cap: float, rng: random.Random | None = None
) -> float:
    """Seconds to wait after failed attempt number `attempt` (1 for the first).

    The nominal delay doubles with each attempt up to `cap`; the wait is drawn between half of
    it and all of it ("equal jitter"), so retries from many payments spread out instead of
    arriving at the store together, and no wait collapses to zero.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    # Bound the exponent: 2**64 seconds is already past any cap.
    nominal = min(cap, first * 2.0 ** min(attempt - 1, 64))
    jitter: float = (rng or random).uniform(0, nominal / 2)
    return nominal / 2 + jitter
