"""The HTTP load benchmark: the real server under campaign-shaped traffic from many connections.

Each backend is a SQLite file, then a scratch PostgreSQL database. For each,
the benchmark starts the Slack stand-in in a process of its own and
`python -m bot run` in another, and opens a campaign. Over HTTP it posts some
ideas and casts the votes that reaction_removed events take back later. Then it
sends mixed signed requests at a fixed rate from CONNECTIONS kept-alive
connections: mostly :+1: reactions added and removed, some thread replies, Vote
button presses and /idea commands (see tests.benchmarks.http_traffic). Each
request is timed from its scheduled send time until its whole response arrived.
Afterwards the benchmark waits until the database contains every idea, comment
and vote sent, and compares the totals.

`python -m tests.benchmarks --only http` runs it with the other benchmarks;
`python -m tests.benchmarks.http_load` runs one backend alone and can record a
py-spy profile of the server process.
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.core.campaigns import create_campaign
from bot.server import HEALTH_PATH
from bot.simulate.local_bot import ANON_KEY, BOT_TOKEN, SIGNING_SECRET
from storage.database import Database
from storage.models import Campaign, Comment, Idea, Vote
from tests.benchmarks.dispatch import percentile
from tests.benchmarks.harness import scratch_database
from tests.benchmarks.http_traffic import (
    ACTIONS_PER_PERSON,
    CHANNEL,
    KINDS,
    MIX,
    USER_PREFIXES,
    CampaignRequests,
    OpenLoopClient,
    Outcome,
    SignedRequest,
    plan_kinds,
)
from tests.benchmarks.standin_process import standin_process

NAME = "http"

BACKENDS = ("sqlite", "postgresql")
TARGET_RATE = 200.0  # requests a second
TARGET_P99_MS = 250.0
CONNECTIONS = 64
FULL_SECONDS = 30.0
QUICK_SECONDS = 3.0
SEED_IDEAS = 30
PLAN_SEED = 2027
STARTUP_TIMEOUT_SECONDS = 60.0
SETTLE_TIMEOUT_SECONDS = 60.0
# Totals that differ from the expected ones and stay unchanged this long are taken as final.
SETTLE_STALL_SECONDS = 15.0
POLL_SECONDS = 0.25
PROGRESS_SECONDS = 5.0
LOG_TAIL_LINES = 30
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class KindFigures:
    """The requests of one kind in the timed run, and the effect the database shows."""

    kind: str
    sent: int
    ok: int
    errors: int
    latencies: tuple[float, ...]  # seconds from scheduled send to response, of every request
    stored: int  # ideas, comments or votes stored for this kind (votes removed for removals)


@dataclass(frozen=True)
class BackendRun:
    """The timed run on one backend."""

    backend: str
    target_rate: float
    seconds: float
    connections: int
    seed_ideas: int  # ideas posted before the timed run, which the votes and comments target
    kinds: tuple[KindFigures, ...]
    send_rate: float  # requests a second the client started sending
    ack_rate: float  # 200 responses a second, until the last response arrived
    # Seconds from the last response until the totals matched, or None when they never did.
    settle_seconds: float | None
    client_cpu: float  # the client process's CPU time over the run's wall time
    server_cpu: float  # the server process's CPU time over the run's wall time
    start_lag_p99: float  # seconds a request started late, 99th percentile
    error_names: tuple[str, ...]

    @property
    def sent(self) -> int:
        """Requests sent in the timed run."""
        return sum(kind.sent for kind in self.kinds)

    @property
    def errors(self) -> int:
        """Requests with a status other than 200, or whose connection failed."""
        return sum(kind.errors for kind in self.kinds)

    @property
    def latencies(self) -> tuple[float, ...]:
        """Latency of every request, all kinds together."""
        return tuple(value for kind in self.kinds for value in kind.latencies)

    @property
    def totals_equal(self) -> bool:
        """Whether the database contains exactly the effect of every request sent."""
        return all(kind.stored == kind.sent for kind in self.kinds)

    @property
    def p99_ms(self) -> float:
        """99th percentile latency of all requests in milliseconds."""
        return percentile(self.latencies, 0.99) * 1000


@dataclass(frozen=True)
class HttpLoadResult:
    """The timed run on each backend."""

    runs: tuple[BackendRun, ...]


# Processes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class BotServer:
    """The bot's `run` command in a child process."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def log_tail(self) -> str:
        """Return the last lines the server logged."""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def cpu_seconds(self) -> float:
        """Return the user and system CPU seconds the server process has used."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After the command name: state is field 3, utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_healthy(server: BotServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the bot exited with status {server.process.returncode} before serving:\n"
                + server.log_tail()
            )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            connection.request("GET", HEALTH_PATH)
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(POLL_SECONDS)
    raise RuntimeError(
        f"the bot did not respond to {HEALTH_PATH} within {STARTUP_TIMEOUT_SECONDS:.0f} s:\n"
        + server.log_tail()
    )


@contextmanager
def bot_server(*, database_url: str, api_url: str, folder: Path) -> Iterator[BotServer]:
    """Start `python -m bot run` on a free 127.0.0.1 port, wait for /healthz, and stop it after."""
    port = _free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "STAFFVOICE_", "DATABASE_URL"))
    }
    environment.update(
        DATABASE_URL=database_url,
        SLACK_API_URL=api_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        STAFFVOICE_ANON_KEY=ANON_KEY,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    )
    log = folder / f"bot-{port}.log"
    with log.open("wb") as output:
        # Started in folder, so no .env file of the working directory is read.
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = BotServer(process, port, log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Database


def _open_campaign(database_url: str) -> None:
    """Store a campaign that starts now. The bot's scheduler opens it when the bot starts."""
    db = Database(database_url)
    try:
        create_campaign(
            db,
            title="HTTP load benchmark",
            channel_id=CHANNEL,
            starts="now",
            timezone=ZoneInfo("Europe/London"),
            now=datetime.now(UTC),
        )
    finally:
        db.dispose()


def _count_by_prefix(connection: sa.Connection, column: Any, prefix: str) -> int:
    query = sa.select(sa.func.count()).where(column.like(f"{prefix}%"))
    return int(connection.scalar(query) or 0)


def count_effects(engine: sa.Engine, *, seeded_votes: int) -> dict[str, int]:
    """Return the ideas, comments and votes stored per kind of request in the run."""
    with engine.connect() as connection:
        remaining_seeded = _count_by_prefix(
            connection, Vote.user_id, USER_PREFIXES["reaction_removed"]
        )
        return {
            "reaction_added": _count_by_prefix(
                connection, Vote.user_id, USER_PREFIXES["reaction_added"]
            ),
            "reaction_removed": seeded_votes - remaining_seeded,
            "comment": _count_by_prefix(connection, Comment.user_id, USER_PREFIXES["comment"]),
            "button": _count_by_prefix(connection, Vote.user_id, USER_PREFIXES["button"]),
            "idea": _count_by_prefix(connection, Idea.author_id, USER_PREFIXES["idea"]),
        }


def _wait_until(
    check: Callable[[], bool], *, timeout: float, description: str, server: BotServer
) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {description}:\n{server.log_tail()}")
        time.sleep(POLL_SECONDS)


def wait_for_totals(
    engine: sa.Engine,
    expected: dict[str, int],
    *,
    seeded_votes: int,
    progress: Callable[[str], None],
) -> tuple[dict[str, int], float | None]:
    """Poll the totals until they equal expected, stop changing, or time runs out.

    Returns the last totals read and the seconds the wait took, or None for
    the seconds when the totals never matched.
    """
    started = time.monotonic()
    last: dict[str, int] = {}
    changed = started
    while True:
        totals = count_effects(engine, seeded_votes=seeded_votes)
        now = time.monotonic()
        if totals == expected:
            return totals, now - started
        if totals != last:
            last, changed = totals, now
        if now - changed > SETTLE_STALL_SECONDS or now - started > SETTLE_TIMEOUT_SECONDS:
            progress(f"http: totals still differ after {now - started:.0f} s: {totals}")
            return totals, None
        time.sleep(POLL_SECONDS)


# The run


def _send_seed(client: OpenLoopClient, requests: Sequence[SignedRequest], *, label: str) -> None:
    """Send requests as fast as the connections allow, and raise unless every response is 200."""
    outcomes, _start = client.send(requests, [0.0] * len(requests))
    failed = [outcome for outcome in outcomes if not outcome.ok]
    if failed:
        first = failed[0]
        raise RuntimeError(
            f"{len(failed)} of {len(requests)} {label} failed, the first with "
            f"HTTP {first.status} {first.error}"
        )


def _prepare(
    client: OpenLoopClient,
    requests: CampaignRequests,
    engine: sa.Engine,
    server: BotServer,
    *,
    ideas: int,
    removals: int,
) -> None:
    """Wait for the campaign to open, post the ideas and cast the votes removals take back."""

    def campaign_open() -> bool:
        with engine.connect() as connection:
            status = connection.scalar(
                sa.select(Campaign.status).where(Campaign.channel_id == CHANNEL)
            )
        return status == "open"

    _wait_until(
        campaign_open,
        timeout=STARTUP_TIMEOUT_SECONDS,
        description="the campaign to open",
        server=server,
    )
    _send_seed(client, [requests.idea(seed=True) for _ in range(ideas)], label="ideas")

    def posted_ideas() -> list[tuple[int, str]]:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(Idea.id, Idea.message_id).where(
                    Idea.author_id.like(f"{USER_PREFIXES['seed_idea']}%"),
                    Idea.message_id.is_not(None),
                )
            ).all()
        return [(int(idea_id), str(message_id)) for idea_id, message_id in rows]

    _wait_until(
        lambda: len(posted_ideas()) == ideas,
        timeout=SETTLE_TIMEOUT_SECONDS,
        description=f"{ideas} ideas to be posted",
        server=server,
    )
    requests.ideas = sorted(posted_ideas())
    _send_seed(client, [requests.seed_vote() for _ in range(removals)], label="votes")
    _wait_until(
        lambda: count_effects(engine, seeded_votes=removals)["reaction_removed"] == 0,
        timeout=SETTLE_TIMEOUT_SECONDS,
        description=f"{removals} votes to be stored",
        server=server,
    )


def _figures(outcomes: Sequence[Outcome], totals: dict[str, int]) -> tuple[KindFigures, ...]:
    figures = []
    for kind in KINDS:
        mine = [outcome for outcome in outcomes if outcome.kind == kind]
        ok = sum(1 for outcome in mine if outcome.ok)
        figures.append(
            KindFigures(
                kind=kind,
                sent=len(mine),
                ok=ok,
                errors=len(mine) - ok,
                latencies=tuple(outcome.latency for outcome in mine),
                stored=totals[kind],
            )
        )
    return tuple(figures)


def run_backend(
    backend: str,
    database_url: str,
    *,
    seconds: float,
    rate: float = TARGET_RATE,
    connections: int = CONNECTIONS,
    ideas: int = SEED_IDEAS,
    progress: Callable[[str], None],
    profile: Path | None = None,
) -> BackendRun:
    """Run the server on one database and send it rate requests a second for seconds.

    With profile, py-spy records the server process during the timed run and
    writes a flame graph there.
    """
    count = round(seconds * rate)
    kinds = plan_kinds(count, seed=PLAN_SEED)
    removals = kinds.count("reaction_removed")
    _open_campaign(database_url)
    engine = sa.create_engine(database_url)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="staffvoice-http-") as directory,
            standin_process(bot_token=BOT_TOKEN) as (api_url, response_prefix),
            bot_server(
                database_url=database_url, api_url=api_url, folder=Path(directory)
            ) as server,
        ):
            progress(f"http: {backend}: bot serving on port {server.port}, preparing")
            client = OpenLoopClient(port=server.port, connections=connections)
            requests = CampaignRequests(
                signing_secret=SIGNING_SECRET, response_url_prefix=response_prefix
            )
            _prepare(client, requests, engine, server, ideas=ideas, removals=removals)
            plan = [requests.build(kind) for kind in kinds]
            offsets = [index / rate for index in range(count)]
            expected = {kind: kinds.count(kind) for kind in KINDS}
            spy = _start_profile(server, seconds, profile) if profile else None

            reported = [time.monotonic()]

            def report() -> None:
                if time.monotonic() - reported[0] >= PROGRESS_SECONDS:
                    reported[0] = time.monotonic()
                    progress(f"http: {backend}: {client.finished} of {count} responses received")

            progress(f"http: {backend}: sending {count} requests over {seconds:g} s")
            cpu_before = time.process_time()
            server_before = server.cpu_seconds()
            outcomes, start = client.send(plan, offsets, on_wait=report)
            last_done = max(outcome.done for outcome in outcomes)
            wall = last_done - start
            client_cpu = (time.process_time() - cpu_before) / wall
            server_cpu = (server.cpu_seconds() - server_before) / wall
            progress(f"http: {backend}: sent; waiting for the totals to settle")
            totals, settle = wait_for_totals(
                engine, expected, seeded_votes=removals, progress=progress
            )
            if spy is not None:
                spy.wait(timeout=seconds + 30)
    finally:
        engine.dispose()
    started = [outcome.sent for outcome in outcomes]
    ok = sum(1 for outcome in outcomes if outcome.ok)
    return BackendRun(
        backend=backend,
        target_rate=rate,
        seconds=seconds,
        connections=connections,
        seed_ideas=ideas,
        kinds=_figures(outcomes, totals),
        send_rate=(len(started) - 1) / (max(started) - min(started)) if len(started) > 1 else 0.0,
        ack_rate=ok / wall,
        settle_seconds=settle,
        client_cpu=client_cpu,
        server_cpu=server_cpu,
        start_lag_p99=percentile(tuple(o.sent - o.scheduled for o in outcomes), 0.99),
        error_names=tuple(sorted({o.error or f"HTTP {o.status}" for o in outcomes if not o.ok})),
    )


def _start_profile(server: BotServer, seconds: float, path: Path) -> subprocess.Popen[bytes]:
    py_spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        [
            str(py_spy),
            "record",
            "--pid",
            str(server.process.pid),
            "--duration",
            str(round(seconds)),
            "--gil",
            "--output",
            str(path),
            "--format",
            "raw" if path.suffix == ".txt" else "flamegraph",
        ],
    )


def run(*, quick: bool, progress: Callable[[str], None]) -> HttpLoadResult:
    """Run the benchmark on SQLite, then on PostgreSQL at POSTGRES_ADMIN_URL."""
    seconds = QUICK_SECONDS if quick else FULL_SECONDS
    runs: list[BackendRun] = []
    with tempfile.TemporaryDirectory(prefix="staffvoice-http-db-") as directory:
        for backend in BACKENDS:
            with scratch_database(backend, Path(directory)) as url:
                runs.append(run_backend(backend, url, seconds=seconds, progress=progress))
    return HttpLoadResult(tuple(runs))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _row(backend: str, label: str, figures: Sequence[KindFigures]) -> str:
    latencies = tuple(value for kind in figures for value in kind.latencies)
    sent = sum(kind.sent for kind in figures)
    stored = sum(kind.stored for kind in figures)
    return (
        f"| {backend} | {label} | {sent:,} | {sum(kind.ok for kind in figures):,} "
        f"| {sum(kind.errors for kind in figures):,} | {_ms(percentile(latencies, 0.5))} "
        f"| {_ms(percentile(latencies, 0.99))} | {_ms(max(latencies))} | {stored:,} |"
    )


def verdict(run: BackendRun) -> str:
    """Return the line saying whether one backend met the target, and by how much it missed."""
    misses = []
    if run.p99_ms >= TARGET_P99_MS:
        misses.append(f"p99 {run.p99_ms:,.0f} ms, {run.p99_ms - TARGET_P99_MS:,.0f} ms over")
    if run.errors:
        misses.append(f"{run.errors:,} errors ({', '.join(run.error_names)})")
    for kind in run.kinds:
        if kind.stored != kind.sent:
            misses.append(f"{kind.kind}: {kind.stored:,} stored for {kind.sent:,} sent")
    target = (
        f"p99 under {TARGET_P99_MS:g} ms at {run.target_rate:g} requests a second, "
        "zero errors, totals equal"
    )
    if not misses:
        return f"- {run.backend}: {target}: met (p99 {run.p99_ms:,.0f} ms)."
    return f"- {run.backend}: {target}: missed; " + "; ".join(misses) + "."


def render(result: HttpLoadResult) -> str:
    """Return the markdown section: latency and totals per kind, then throughput and targets."""
    seed_ideas = " or ".join(sorted({str(run.seed_ideas) for run in result.runs}))
    lines = [
        "## Over HTTP",
        "",
        "`python -m bot run` in its own process on 127.0.0.1, its Slack Web API the "
        "stand-in in another. Signed requests at a fixed rate from "
        f"{CONNECTIONS} kept-alive connections (one thread each), open loop: each "
        "latency runs from the request's scheduled send time until the whole "
        "response arrived, so requests waiting for a free connection count their wait. "
        "Mix: "
        + ", ".join(f"{kind} {share:.0%}" for kind, share in MIX)
        + f". A voter votes on up to {ACTIONS_PER_PERSON['vote']} ideas, a commenter "
        f"replies {ACTIONS_PER_PERSON['comment']} times and a poster sends "
        f"{ACTIONS_PER_PERSON['idea']} ideas, as in the simulated campaign. "
        f"Before the run: {seed_ideas} ideas posted, and the votes that "
        "reaction_removed takes back cast. stored: ideas, comments or votes in the "
        "database afterwards for each kind (votes removed, for reaction_removed).",
        "",
        "| backend | request | sent | ok | errors | p50 ms | p99 ms | max ms | stored |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in result.runs:
        for kind in run.kinds:
            lines.append(_row(run.backend, kind.kind, [kind]))
        lines.append(_row(run.backend, "**all**", run.kinds))
    lines += [
        "",
        "| backend | seconds | target / s | sent / s | 200 responses / s | totals settled after "
        "| client CPU | server CPU | start lag p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in result.runs:
        settle = "never" if run.settle_seconds is None else f"{run.settle_seconds:.1f} s"
        lines.append(
            f"| {run.backend} | {run.seconds:g} | {run.target_rate:g} | {run.send_rate:,.0f} "
            f"| {run.ack_rate:,.0f} | {settle} | {run.client_cpu:.0%} | {run.server_cpu:.0%} "
            f"| {_ms(run.start_lag_p99)} |"
        )
    lines += [
        "",
        "sent / s: requests the client started a second. 200 responses / s: below the "
        "target rate, this is the rate the server sustains. Start lag: how late a request "
        "started after its scheduled time, which grows when every connection is waiting "
        "for the server. CPU: the process's CPU time over the run's wall time (100% is "
        "one core). Totals settled after: from the last response until the database "
        "contained every request's effect.",
        "",
    ]
    lines += [verdict(run) for run in result.runs]
    lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one backend from the command line, optionally under py-spy, and print the section."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.http_load",
        description="Load the bot's HTTP server on one database and print the figures.",
    )
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--seconds", type=float, default=FULL_SECONDS, help="length of the run")
    parser.add_argument(
        "--rate", type=float, default=TARGET_RATE, help="requests a second to schedule"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="write py-spy's profile of the server here: a .svg flame graph, or .txt "
        "for collapsed stacks",
    )
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with (
        tempfile.TemporaryDirectory(prefix="staffvoice-http-db-") as directory,
        scratch_database(args.backend, Path(directory)) as url,
    ):
        backend_run = run_backend(
            args.backend,
            url,
            seconds=args.seconds,
            rate=args.rate,
            progress=progress,
            profile=args.profile,
        )
    print(render(HttpLoadResult((backend_run,))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
