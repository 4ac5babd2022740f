"""The Teams event loop thread: results to threads, and a stop that leaves nothing half-run."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time

import pytest

from handlers.teams.runner import LoopRunner


async def _answer(value: int, delay: float = 0.0) -> int:
    await asyncio.sleep(delay)
    return value


def test_run_returns_the_result() -> None:
    runner = LoopRunner()
    try:
        assert runner.run(_answer(7)) == 7
    finally:
        runner.stop()


def test_run_after_stop_refuses_and_closes_the_coroutine() -> None:
    runner = LoopRunner()
    runner.stop()
    coroutine = _answer(1)

    with pytest.raises(RuntimeError, match="stopped"):
        runner.run(coroutine)

    # A closed coroutine cannot be started, and is not reported as never awaited.
    assert coroutine.cr_frame is None


def _run_in_thread(runner: LoopRunner, delay: float) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(runner.run(_answer(3, delay), timeout=30))
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    return thread, outcome


def test_stop_lets_running_call_finish() -> None:
    runner = LoopRunner()
    thread, outcome = _run_in_thread(runner, 0.3)
    time.sleep(0.1)

    runner.stop(grace_seconds=5)
    thread.join(timeout=5)

    assert outcome == [3]


def test_stop_cancels_call_past_grace() -> None:
    runner = LoopRunner()
    thread, outcome = _run_in_thread(runner, 60)
    time.sleep(0.1)

    started = time.monotonic()
    runner.stop(grace_seconds=0.2)
    thread.join(timeout=5)

    assert time.monotonic() - started < 5
    assert len(outcome) == 1
    assert isinstance(outcome[0], concurrent.futures.CancelledError)
