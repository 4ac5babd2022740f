"""The dependencies jobs use, installed once per process so job arguments stay plain ids."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from bot.core.ports import ChatPublisher
from storage.database import Database


@dataclass(frozen=True)
class JobRuntime:
    """The database, clock and chat publisher the jobs work with."""

    db: Database
    clock: Clock
    publisher: ChatPublisher
    # Groups with fewer people are reported only within "Other groups".
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    # Days after a campaign's close until its contributions are anonymised; None keeps them.
    retention_days: int | None = None


_runtime: JobRuntime | None = None


def install(runtime: JobRuntime) -> None:
    """Make runtime the one the jobs of this process use."""
    global _runtime
    _runtime = runtime


def current() -> JobRuntime:
    """Return the installed runtime, raising RuntimeError before install()."""
    if _runtime is None:
        raise RuntimeError("scheduler.runtime.install() must run before any job")
    return _runtime
