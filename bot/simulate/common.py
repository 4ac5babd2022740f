"""Pieces the simulated campaign and the simulated team boards share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.ids import IdeaIds

POLL_SECONDS = 0.05


class SimulationFailed(Exception):
    """The run could not go on: the bot did not reach an expected state in time."""


@dataclass(frozen=True)
class IdeaMessage:
    """An idea's message in the channel: the idea id on its Vote button, its ts and blocks."""

    idea_id: int
    ts: str
    blocks: list[dict[str, Any]]


class MessageTimestamps:
    """Unique, increasing Slack message timestamps ("seconds.micros") from the wall clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_micros = 0

    def next(self) -> str:
        """Return a timestamp later than every one returned before."""
        with self._lock:
            self._last_micros = max(time.time_ns() // 1000, self._last_micros + 1)
            seconds, micros = divmod(self._last_micros, 1_000_000)
        return f"{seconds}.{micros:06d}"


def wait_until(
    condition: Callable[[], bool], *, timeout: float, describe: Callable[[], str]
) -> None:
    """Poll condition until it holds, or raise SimulationFailed with describe()'s text."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SimulationFailed(f"timed out after {timeout:.0f} s: {describe()}")
        time.sleep(POLL_SECONDS)


def parse_idea_message(message: dict[str, Any]) -> tuple[str, IdeaMessage] | None:
    """Return the first section's text and the idea of a message with a Vote button."""
    blocks = message.get("blocks") or []
    idea_id = None
    for block in blocks:
        if block.get("type") != "actions":
            continue
        for element in block.get("elements", []):
            if element.get("action_id") == IdeaIds.VOTE_ACTION.value:
                idea_id = int(element["value"])
    sections = [block for block in blocks if block.get("type") == "section"]
    if idea_id is None or not sections:
        return None
    text = sections[0]["text"]["text"]
    return text, IdeaMessage(idea_id=idea_id, ts=message["ts"], blocks=blocks)
