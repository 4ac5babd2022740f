"""The dispatch benchmark: the bot's cost of a vote, an /idea and a Vote button press, in process.

Each request is signed as Slack signs it and handed to the bot's WSGI front
(bot.server.BotWsgiApp), which checks the signature, builds a BoltRequest and
calls App.dispatch; Bolt checks the signature again. The same requests go through
a bare Bolt app with no-op listeners behind the same front, in the same process,
so the ratio of the two is the cost of the bot's own work. The bot runs with its
real listeners and storage (a SQLite file, and PostgreSQL at 127.0.0.1:5432 when
it is reachable). Its Slack Web API calls go to the local stand-in.

Bolt runs listeners after the acknowledgement (process_before_response is False).
Two times are taken per request, both from the call of the WSGI front: "done"
when the listener has returned in Bolt's thread pool (the vote or idea stored,
its replies sent), and "ack" when the front returns the HTTP response. For an
event the front waits for the listener, as in production, so ack follows done.
Commands and actions are acknowledged when the listener calls ack(), which the
bot's /idea and Vote button do once the idea or vote is stored, before posting
and replying, so their ack can come before done. slack_bolt 1.30's
ThreadListenerRunner checks every 10 ms whether ack() was called, so their ack
time is at least about 10 ms in both apps, which hides the bot's cost in the
ack ratio of those two kinds. The scheduler and the outbox worker are not started.
"""

from __future__ import annotations

import io
import logging
import math
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.app import BOLT_LOGGER, LISTENER_THREADS, BotProcess, build_process
from bot.config import load_settings
from bot.core.campaigns import create_campaign
from bot.listener_pool import ListenerPool
from bot.server import EVENTS_PATH, BotWsgiApp
from bot.simulate import payloads
from bot.simulate.local_bot import ANON_KEY, BOT_TOKEN, SIGNING_SECRET
from bot.simulate.signing import sign_request
from bot.simulate.slack_standin import BOT_USER_ID, SlackStandIn
from handlers.ids import IdeaIds
from scheduler import jobs
from storage.database import Database
from storage.models import Idea, Vote

NAME = "dispatch"

KINDS = ("vote", "idea", "button")
KIND_LABELS = {
    "vote": "vote (reaction_added)",
    "idea": "/idea TEXT",
    "button": "Vote button",
}
CHANNEL = "C0BENCH01"
POSTGRES_ADMIN_URL = os.environ.get(
    "STAFFVOICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# The goal for a vote: at most this many times the bare app's dispatch, on SQLite,
# and more than VOTES_PER_SECOND_TARGET votes a second in one process.
VOTE_RATIO_TARGET = 5.0
VOTES_PER_SECOND_TARGET = 2000
# Request threads that dispatch at once in the throughput phase, as the HTTP
# server's threads do (bot.server.create_http_server defaults to 16).
BURST_THREADS = 16
FULL_SIZES = {"ideas": 40, "warmup": 30, "sequential": 400, "burst": 800}
QUICK_SIZES = {"ideas": 3, "warmup": 3, "sequential": 10, "burst": 10}
LISTENER_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Measurement:
    """The runs of one kind of request through one app on one backend."""

    backend: str
    kind: str
    app: str
    ack_seconds: tuple[float, ...]
    done_seconds: tuple[float, ...]
    burst_requests: int
    burst_seconds: float

    @property
    def ack_p50(self) -> float:
        """Median seconds to the acknowledgement."""
        return statistics.median(self.ack_seconds)

    @property
    def done_p50(self) -> float:
        """Median seconds until the listener returned."""
        return statistics.median(self.done_seconds)

    @property
    def per_second(self) -> float:
        """Requests a second in the throughput phase, counted until every listener returned."""
        return self.burst_requests / self.burst_seconds


@dataclass(frozen=True)
class DispatchResult:
    """Every measurement of the run, and the rows the bot stored against those it was sent."""

    measurements: tuple[Measurement, ...]
    stored: dict[str, tuple[int, int]]
    skipped: tuple[str, ...]

    def find(self, backend: str, kind: str, app: str) -> Measurement:
        """Return the measurement of one backend, kind and app."""
        for measurement in self.measurements:
            if (measurement.backend, measurement.kind, measurement.app) == (backend, kind, app):
                return measurement
        raise KeyError(f"no measurement for {backend}, {kind}, {app}")


def percentile(values: tuple[float, ...], fraction: float) -> float:
    """Return the nearest-rank percentile of values, fraction between 0 and 1."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


class _TrackingExecutor(Executor):
    """Bolt's listener thread pool, noting for each dispatching thread the listener run it queued.

    Bolt submits one task per request (the matched listener), from the thread that
    calls App.dispatch, so after dispatch returns that thread finds its own task here.
    """

    def __init__(self, inner: ThreadPoolExecutor) -> None:
        self._inner = inner
        self._local = threading.local()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def timed() -> float:
            fn(*args, **kwargs)
            return time.perf_counter()

        future = self._inner.submit(timed)
        self._local.future = future
        return future

    def take(self) -> Future[float]:
        """Return and forget the task the calling thread's last dispatch queued."""
        future: Future[float] | None = getattr(self._local, "future", None)
        if future is None:
            raise AssertionError("the dispatch queued no listener run")
        self._local.future = None
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


@dataclass
class _Target:
    """One app behind the bot's WSGI front, with its tracked listener pool."""

    name: str
    wsgi: BotWsgiApp
    executor: _TrackingExecutor


def _track(name: str, bolt: App, db: Database) -> _Target:
    runner = bolt.listener_runner
    inner = runner.listener_executor
    if not isinstance(inner, ListenerPool):
        raise TypeError(f"expected Bolt's listener pool to be a ListenerPool, got {inner!r}")
    executor = _TrackingExecutor(inner)
    runner.listener_executor = executor
    # As in bot.serve, the front responds to an event once its listeners have returned.
    wsgi = BotWsgiApp(bolt, db=db, signing_secret=SIGNING_SECRET, listeners=inner)
    return _Target(name, wsgi, executor)


def build_bare_app(client: WebClient) -> App:
    """Create a Bolt app set up as bot.app sets up the bot's, with no-op listeners."""
    app = App(
        client=client,
        signing_secret=SIGNING_SECRET,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger(BOLT_LOGGER),
        listener_executor=ListenerPool(LISTENER_THREADS, thread_name_prefix="bare-listener"),
    )

    @app.event("reaction_added")
    def handle_reaction_added() -> None:
        pass

    @app.command("/idea")
    def handle_idea_command(ack: Ack) -> None:
        ack()

    @app.action(IdeaIds.VOTE_ACTION.value)
    def handle_vote_button(ack: Ack) -> None:
        ack()

    return app


class _Requests:
    """Builds signed request bodies for each kind, with a new voter for every vote."""

    def __init__(self, standin: SlackStandIn) -> None:
        self._standin = standin
        self._lock = threading.Lock()
        self._serial = 0
        self.ideas: list[tuple[int, str]] = []

    def _next(self) -> int:
        with self._lock:
            self._serial += 1
            return self._serial

    def build(self, kind: str) -> tuple[bytes, str]:
        serial = self._next()
        user = f"U{serial:08d}"
        if kind == "idea":
            return payloads.slash_command(
                text=f"Suggestion {serial}: move the morning huddle to the day room",
                user_id=user,
                user_name=f"staff{serial}",
                channel_id=CHANNEL,
                response_url=self._standin.response_url(uuid.uuid4().hex),
                trigger_id=f"{int(time.time())}.{serial}.{uuid.uuid4().hex}",
            )
        idea_id, message_ts = self.ideas[serial % len(self.ideas)]
        if kind == "vote":
            event = payloads.reaction_event(
                "reaction_added",
                user=user,
                reaction="+1",
                channel=CHANNEL,
                ts=message_ts,
                item_user=BOT_USER_ID,
                event_ts=f"{time.time():.6f}",
            )
            return payloads.event_callback(
                event, event_id=f"Ev{serial:010d}", event_time=int(time.time())
            )
        return payloads.block_actions(
            user_id=user,
            user_name=f"staff{serial}",
            channel_id=CHANNEL,
            message_ts=message_ts,
            action_id=IdeaIds.VOTE_ACTION.value,
            value=str(idea_id),
            block_id="idea-actions",
            response_url=self._standin.response_url(uuid.uuid4().hex),
            trigger_id=f"{int(time.time())}.{serial}.{uuid.uuid4().hex}",
        )


def _environ(body: bytes, content_type: str) -> dict[str, Any]:
    headers = sign_request(body, signing_secret=SIGNING_SECRET)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": EVENTS_PATH,
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _start_response(status: str, _headers: list[tuple[str, str]]) -> None:
    if not status.startswith("200"):
        raise AssertionError(f"the app returned HTTP {status}, expected 200")


def _dispatch(target: _Target, environ: dict[str, Any]) -> tuple[float, float]:
    """Send one request; return seconds to the acknowledgement and to the listener's return."""
    started = time.perf_counter()
    target.wsgi(environ, _start_response)
    acked = time.perf_counter()
    finished = target.executor.take().result(timeout=LISTENER_TIMEOUT_SECONDS)
    return acked - started, finished - started


def _sequential(target: _Target, environs: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    acks: list[float] = []
    dones: list[float] = []
    for environ in environs:
        ack, done = _dispatch(target, environ)
        acks.append(ack)
        dones.append(done)
    return acks, dones


def _burst(target: _Target, environs: list[dict[str, Any]]) -> float:
    """Dispatch from BURST_THREADS threads at once; return seconds until every listener returned."""
    shares = [environs[index::BURST_THREADS] for index in range(BURST_THREADS)]
    errors: list[BaseException] = []
    finished: list[float] = []
    lock = threading.Lock()

    def work(share: list[dict[str, Any]]) -> None:
        futures = []
        try:
            for environ in share:
                target.wsgi(environ, _start_response)
                futures.append(target.executor.take())
            last = max((f.result(timeout=LISTENER_TIMEOUT_SECONDS) for f in futures), default=0.0)
        except BaseException as error:  # re-raised in the calling thread below
            with lock:
                errors.append(error)
            return
        with lock:
            finished.append(last)

    threads = [threading.Thread(target=work, args=(share,)) for share in shares if share]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return max(finished) - started


def _measure(
    backend: str,
    kind: str,
    target: _Target,
    requests: _Requests,
    sizes: dict[str, int],
) -> Measurement:
    _sequential(target, [_environ(*requests.build(kind)) for _ in range(sizes["warmup"])])
    acks, dones = _sequential(
        target, [_environ(*requests.build(kind)) for _ in range(sizes["sequential"])]
    )
    burst = [_environ(*requests.build(kind)) for _ in range(sizes["burst"])]
    seconds = _burst(target, burst)
    return Measurement(
        backend=backend,
        kind=kind,
        app=target.name,
        ack_seconds=tuple(acks),
        done_seconds=tuple(dones),
        burst_requests=len(burst),
        burst_seconds=seconds,
    )


def _count(db: Database, model: type[Any]) -> int:
    with db.transaction() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


def _open_campaign(process: BotProcess) -> None:
    record = create_campaign(
        process.db,
        title="Dispatch benchmark",
        channel_id=CHANNEL,
        starts="now",
        timezone=process.settings.timezone,
        now=process.clock.now(),
    )
    # The scheduler's job, run here directly: it opens the campaign and posts its launch message.
    jobs.open_campaign(record.id)


def _post_ideas(target: _Target, requests: _Requests, db: Database, count: int) -> None:
    _sequential(target, [_environ(*requests.build("idea")) for _ in range(count)])
    with db.transaction() as session:
        rows = session.execute(
            sa.select(Idea.id, Idea.message_id).where(Idea.message_id.is_not(None))
        ).all()
    requests.ideas = [(idea_id, str(message_id)) for idea_id, message_id in rows]
    if len(requests.ideas) != count:
        raise AssertionError(f"posted {count} ideas but {len(requests.ideas)} have a message")


def run_backend(
    backend: str, database_url: str, *, quick: bool, progress: Callable[[str], None]
) -> tuple[list[Measurement], dict[str, tuple[int, int]]]:
    """Measure every kind through the bare app and the bot on one database.

    Returns the measurements and, for ideas and votes, the rows stored
    against the requests sent to the bot.
    """
    sizes = QUICK_SIZES if quick else FULL_SIZES
    standin = SlackStandIn(bot_token=BOT_TOKEN).start()
    process: BotProcess | None = None
    bare: App | None = None
    try:
        settings = load_settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_app_token=None,
            slack_api_url=standin.api_url,
            database_url=database_url,
            staffvoice_anon_key=ANON_KEY,
            _env_file=None,
        )
        process = build_process(settings)
        bot = _track("bot", process.bolt, process.db)
        bare = build_bare_app(process.client)
        bare_target = _track("bare", bare, process.db)
        requests = _Requests(standin)
        _open_campaign(process)
        _post_ideas(bot, requests, process.db, sizes["ideas"])

        measurements = []
        for kind in KINDS:
            for target in (bare_target, bot):
                progress(f"dispatch: {backend}, {kind}, {target.name} app")
                measurements.append(_measure(backend, kind, target, requests, sizes))

        per_kind = sizes["warmup"] + sizes["sequential"] + sizes["burst"]
        stored = {
            "ideas": (_count(process.db, Idea), sizes["ideas"] + per_kind),
            "votes": (_count(process.db, Vote), 2 * per_kind),
        }
        return measurements, stored
    finally:
        if bare is not None:
            bare.listener_runner.listener_executor.shutdown(wait=True)
        if process is not None:
            process.stop()
        standin.stop()


@contextmanager
def _postgres_database() -> Iterator[str | None]:
    """Create a fresh database at POSTGRES_ADMIN_URL and yield its URL, or None if unreachable."""
    admin = sa.create_engine(
        POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"staffvoice_dispatch_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield (
            sa.engine.make_url(POSTGRES_ADMIN_URL)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(*, quick: bool, progress: Callable[[str], None]) -> DispatchResult:
    """Run the benchmark on SQLite, then on PostgreSQL unless quick or unreachable."""
    measurements: list[Measurement] = []
    stored: dict[str, tuple[int, int]] = {}
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="staffvoice-dispatch-") as directory:
        url = f"sqlite:///{directory}/dispatch.db"
        rows, counts = run_backend("sqlite", url, quick=quick, progress=progress)
        measurements += rows
        stored.update({f"sqlite {table}": count for table, count in counts.items()})
    if quick:
        skipped.append("postgresql (quick run)")
    else:
        with _postgres_database() as postgres_url:
            if postgres_url is None:
                skipped.append(f"postgresql (no answer at {POSTGRES_ADMIN_URL})")
            else:
                rows, counts = run_backend(
                    "postgresql", postgres_url, quick=quick, progress=progress
                )
                measurements += rows
                stored.update({f"postgresql {table}": count for table, count in counts.items()})
    for label, (found, sent) in stored.items():
        if found != sent:
            raise AssertionError(f"{label}: {found} rows stored for {sent} requests sent")
    return DispatchResult(tuple(measurements), stored, tuple(skipped))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def render(result: DispatchResult) -> str:
    """Return the markdown section: times per kind and app, and the bot's ratio to the bare app."""
    lines = [
        "## Handling cost in process",
        "",
        "Signed requests through the bot's WSGI front and Bolt's dispatch, in one process, "
        "against a bare Bolt app with no-op listeners behind the same front. "
        "done: until the listener returned (vote or idea stored, replies sent to the "
        "stand-in); ack: until the HTTP response. The front sends an event's response once "
        "its listener has returned; /idea and the Vote button are acknowledged once the idea "
        "or vote is stored, and Bolt checks for that every 10 ms, so their ack is at least "
        "10 ms in both apps. p50 and p99 of requests sent one at a "
        f"time; per second: {BURST_THREADS} threads dispatching at once, until every "
        "listener returned. Ratio: the bot's figure over the bare app's, same run.",
        "",
        "| backend | request | app | ack p50 ms | ack p99 ms | done p50 ms | done p99 ms "
        "| per second | ack p50 ratio | done p50 ratio | per second ratio |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for measurement in result.measurements:
        bare = result.find(measurement.backend, measurement.kind, "bare")
        if measurement.app == "bare":
            ratios = ["1", "1", "1"]
        else:
            ratios = [
                f"{measurement.ack_p50 / bare.ack_p50:.1f}",
                f"{measurement.done_p50 / bare.done_p50:.1f}",
                f"{bare.per_second / measurement.per_second:.1f}",
            ]
        lines.append(
            f"| {measurement.backend} | {KIND_LABELS[measurement.kind]} | {measurement.app} "
            f"| {_ms(measurement.ack_p50)} "
            f"| {_ms(percentile(measurement.ack_seconds, 0.99))} "
            f"| {_ms(measurement.done_p50)} "
            f"| {_ms(percentile(measurement.done_seconds, 0.99))} "
            f"| {measurement.per_second:,.0f} | " + " | ".join(ratios) + " |"
        )
    lines.append("")
    lines.append(_vote_target(result))
    if result.skipped:
        lines.append("")
        lines.append("Not run: " + "; ".join(result.skipped) + ".")
    lines.append("")
    return "\n".join(lines)


def _vote_target(result: DispatchResult) -> str:
    vote = result.find("sqlite", "vote", "bot")
    bare = result.find("sqlite", "vote", "bare")
    ratio = vote.done_p50 / bare.done_p50
    met = ratio <= VOTE_RATIO_TARGET and vote.per_second > VOTES_PER_SECOND_TARGET
    verdict = (
        f"Target for a vote on SQLite: done p50 at most {VOTE_RATIO_TARGET:g} times the bare "
        f"app's and over {VOTES_PER_SECOND_TARGET:,} a second. Measured: {ratio:.1f} times, "
        f"{vote.per_second:,.0f} a second: {'met' if met else 'missed'}."
    )
    if met:
        return verdict
    return (
        f"{verdict} Missed by {ratio / VOTE_RATIO_TARGET:.1f} times on the ratio and "
        f"{VOTES_PER_SECOND_TARGET / vote.per_second:.1f} times on the rate. Why: a vote's "
        "transaction runs five SQL statements through SQLAlchemy's ORM (find the idea and "
        "its campaign, claim the event id, insert the vote, change the count, snapshot the "
        "voter's groups), against a no-op listener; the profile and the changes made are "
        'in "The vote path: profile and changes" below.'
    )
