"""An asyncio event loop on a thread of its own, for the Teams SDK's coroutines.

The Teams SDK is asynchronous, and the rest of the bot (the WSGI server, the core,
the scheduler) runs on threads. The loop runs the SDK's work; a thread hands it a
coroutine and waits for the result.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class LoopRunner:
    """Runs coroutines on a private event loop thread and returns their results to threads."""

    def __init__(self, name: str = "teams-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """Return the loop the coroutines run on."""
        return self._loop

    def run(self, coroutine: Coroutine[Any, Any, T], *, timeout: float | None = 30.0) -> T:
        """Run a coroutine on the loop and return its result; call it from another thread."""
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("LoopRunner.run was called from its own loop thread")
        try:
            future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        except RuntimeError:
            # The loop was stopped and closed; the coroutine will never run.
            coroutine.close()
            raise
        return future.result(timeout)

    def stop(self) -> None:
        """Stop the loop and wait for its thread."""
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()
