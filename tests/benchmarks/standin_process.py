"""The Slack Web API stand-in in a child process, for benchmarks that load the bot from this one.

In a process of its own, the stand-in's work for the bot's Web API calls does
not compete with a load client for this process's interpreter lock. The child
imports only this module and bot.simulate.slack_standin, so it starts quickly.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event

from bot.simulate.slack_standin import SlackStandIn

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


def _serve(channel: Connection, stop: Event, bot_token: str) -> None:
    """Run the stand-in until stop is set, after sending its URLs through channel."""
    standin = SlackStandIn(bot_token=bot_token).start()
    try:
        channel.send((standin.api_url, standin.response_url("x")[:-1]))
        stop.wait()
    finally:
        standin.stop()


@contextmanager
def standin_process(*, bot_token: str) -> Iterator[tuple[str, str]]:
    """Run a stand-in in a child process, and yield its API URL and its response URL prefix.

    A response URL is the prefix followed by a token of the caller's choice.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    stop = context.Event()
    process = context.Process(
        target=_serve, args=(sender, stop, bot_token), name="slack-standin", daemon=True
    )
    process.start()
    try:
        if not receiver.poll(START_TIMEOUT_SECONDS):
            raise RuntimeError(
                f"the Slack stand-in process sent no URL within {START_TIMEOUT_SECONDS:.0f} s"
            )
        api_url, response_prefix = receiver.recv()
        yield api_url, response_prefix
    finally:
        stop.set()
        process.join(timeout=STOP_TIMEOUT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
