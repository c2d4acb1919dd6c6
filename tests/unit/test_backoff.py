"""The callback retry schedule: exponential, jittered, capped, and long enough."""

from __future__ import annotations

import random

import pytest

from shopkeep.backoff import retry_delay
from shopkeep.config import Settings


def test_the_nominal_delay_doubles_up_to_the_cap_and_the_wait_lies_in_its_upper_half() -> None:
    rng = random.Random(7)
    for attempt in range(1, 40):
        nominal = min(300.0, 1.0 * 2 ** (attempt - 1))
        for _ in range(50):
            wait = retry_delay(attempt, first=1.0, cap=300.0, rng=rng)
            assert nominal / 2 <= wait <= nominal


def test_jitter_spreads_retries_of_the_same_attempt() -> None:
    rng = random.Random(1)
    waits = {retry_delay(5, first=1.0, cap=300.0, rng=rng) for _ in range(20)}
    assert len(waits) == 20


def test_huge_attempt_numbers_stay_at_the_cap() -> None:
    assert 150.0 <= retry_delay(10_000, first=1.0, cap=300.0) <= 300.0


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        retry_delay(0, first=1.0, cap=300.0)


@pytest.mark.parametrize("rng_value", [0.0, 1.0])
def test_with_the_default_settings_a_callback_is_retried_for_at_least_an_hour(
    rng_value: float,
) -> None:
    """Walk the schedule with the shortest and the longest waits: attempts keep coming, never
    more than the cap apart, until the horizon, which lies beyond an hour."""
    settings = Settings()

    class Fixed(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return a + (b - a) * rng_value

    horizon = settings.callback_retry_hours * 3600
    elapsed, attempt, last = 0.0, 0, 0.0
    while True:
        attempt += 1
        wait = retry_delay(
            attempt,
            first=settings.callback_first_retry_seconds,
            cap=settings.callback_max_retry_seconds,
            rng=Fixed(),
        )
        assert wait <= settings.callback_max_retry_seconds
        if elapsed + wait > horizon:
            break
        elapsed += wait
        last = elapsed
    assert last >= 3600
    assert attempt > 12
