"""Clocks the core reads the time from, so tests and the simulation can control it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to, for tests and the simulated campaign."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[datetime], None]] = []

    def now(self) -> datetime:
        """Return the clock's current time."""
        with self._lock:
            return self._now

    def on_change(self, listener: Callable[[datetime], None]) -> None:
        """Call listener with the new time after every move of the clock."""
        self._listeners.append(listener)

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward by delta and return the new time."""
        return self.set(self.now() + delta)

    def set(self, moment: datetime) -> datetime:
        """Move the clock to moment, which may not be earlier than the current time."""
        with self._lock:
            if moment < self._now:
                raise ValueError("ManualClock cannot move backwards")
            self._now = moment.astimezone(UTC)
            now = self._now
        for listener in self._listeners:
            listener(now)
        return now
