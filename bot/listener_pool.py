"""The thread pool that runs Bolt listeners, counting each HTTP request's listeners.

Bolt acknowledges an Events API request before its listener runs, and runs
the listener in this pool. The HTTP front waits, up to a deadline, for an
event's listeners to return before it sends that acknowledgement. So a 200
response to Slack means the vote or comment was stored, and a process killed
after responding has lost nothing Slack will not send again. Listeners of
commands and interactions acknowledge with ack(), after storing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")


class RequestListeners:
    """The listeners one request started, and a wait for them to return."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._running = 0

    def _started(self) -> None:
        with self._condition:
            self._running += 1

    def _finished(self) -> None:
        with self._condition:
            self._running -= 1
            if self._running == 0:
                self._condition.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until every listener of the request has returned; False on timeout."""
        with self._condition:
            return self._condition.wait_for(lambda: self._running == 0, timeout=max(timeout, 0))


class ListenerPool(ThreadPoolExecutor):
    """A ThreadPoolExecutor that counts each task against the request being dispatched.

    Bolt submits a request's listener from the thread that called App.dispatch,
    so the request is found in a thread-local set by track().
    """

    def __init__(self, max_workers: int, *, thread_name_prefix: str = "listener") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._current = threading.local()

    @contextmanager
    def track(self) -> Iterator[RequestListeners]:
        """Count the tasks submitted from this thread until the block ends."""
        listeners = RequestListeners()
        self._current.listeners = listeners
        try:
            yield listeners
        finally:
            self._current.listeners = None

    def submit(self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Future[_T]:
        listeners: RequestListeners | None = getattr(self._current, "listeners", None)
        if listeners is None:
            return super().submit(fn, *args, **kwargs)
        listeners._started()

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                listeners._finished()

        try:
            return super().submit(run)
        except BaseException:
            listeners._finished()
            raise
