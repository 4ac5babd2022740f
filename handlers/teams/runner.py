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

# How long stop() lets calls already running on the loop finish before cancelling them.
STOP_GRACE_SECONDS = 5.0


class LoopRunner:
    """Runs coroutines on a private event loop thread and returns their results to threads."""

    def __init__(self, name: str = "teams-loop") -> None:
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()
        self._stopping = False
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
        """Run a coroutine on the loop and return its result; call it from another thread.

        Raises RuntimeError, without running the coroutine, once stop() has begun.
        """
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("LoopRunner.run was called from its own loop thread")
        with self._lock:
            if self._stopping:
                coroutine.close()
                raise RuntimeError("The Teams event loop has stopped")
            future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout)

    def stop(self, *, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Let running coroutines finish within the grace time, cancel the rest, stop the loop."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        # Every coroutine handed over before the flag was set is a task by the time
        # _drain starts, because the loop runs its callbacks in order.
        drained = asyncio.run_coroutine_threadsafe(_drain(grace_seconds), self._loop)
        try:
            drained.result(grace_seconds + 5)
        except Exception:
            logger.warning("The Teams event loop did not drain in time", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()


async def _drain(grace_seconds: float) -> None:
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current]
    if not pending:
        return
    _, unfinished = await asyncio.wait(pending, timeout=grace_seconds)
    for task in unfinished:
        task.cancel()
    if unfinished:
        logger.info("Cancelled %d Teams calls still running at stop", len(unfinished))
        await asyncio.wait(unfinished, timeout=1)
