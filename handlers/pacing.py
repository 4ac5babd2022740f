"""Spacing of Slack Web API calls under a method's rate limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces calls at most `per_second` a second, allowing `burst` calls at once.

    It is the generic cell rate algorithm: each call reserves the next slot under
    a lock and sleeps outside it, so concurrent callers never share a slot.
    """

    def __init__(
        self,
        *,
        per_second: float,
        burst: int = 1,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be positive, got {per_second}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self._interval = 1.0 / per_second
        self._tolerance = (burst - 1) * self._interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        # The theoretical arrival time of the next call, on the monotonic clock.
        self._next_at = monotonic()

    def reserve(self) -> float:
        """Reserve the next free slot and return the seconds to wait until it."""
        with self._lock:
            now = self._monotonic()
            next_at = max(self._next_at, now)
            wait = max(0.0, next_at - self._tolerance - now)
            self._next_at = next_at + self._interval
            return wait

    def wait(self) -> float:
        """Block until the next free slot and return the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def hold_off(self, seconds: float) -> None:
        """Allow no call for the next `seconds` seconds."""
        with self._lock:
            self._next_at = max(self._next_at, self._monotonic() + seconds + self._tolerance)
