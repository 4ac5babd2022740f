"""One load run: the traffic through a proxy to two bot processes, a kill, the close, the checks.

The run creates a scratch PostgreSQL database and a campaign that opens a few seconds
later and closes 20 days divided by the speed after that. It starts the Slack stand-in in
this process and the bot processes beside it. It then sends the plan's requests on the
timeline, scaled by the speed, through the round-robin proxy. In the middle of the
campaign one process is killed with SIGKILL and started again on its port. Once the
scheduler has closed the campaign and the outbox has sent everything, the checks run.
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.core.campaigns import create_campaign
from bot.simulate.lifecycle import MANAGER_COUNT
from bot.simulate.local_bot import ANON_KEY, BOT_TOKEN, SIGNING_SECRET
from bot.simulate.slack_standin import SlackStandIn
from bot.simulate.traffic import CAMPAIGN_DAYS, build_plan
from storage.database import Database
from storage.models import Campaign
from tests.benchmarks.harness import scratch_database
from tests.load.checks import CheckRow, run_checks
from tests.load.fleet import BotFleet
from tests.load.observe import observe
from tests.load.proxy import RoundRobinProxy
from tests.load.replay import CHANNEL_ID, LoadReplay
from tests.load.sender import SlackSender
from tests.load.timeline import (
    FIRST_ANSWER_DAY,
    SECONDS_PER_DAY,
    Phase,
    PhaseKind,
    build_timeline,
)

TIMEZONE = "Europe/London"
CAMPAIGN_TITLE = "Load test campaign"
PROCESSES = 2
# The process killed in the middle of the campaign, counted from 0.
KILLED_PROCESS = 1
# How long the kill may wait for the process to be handling a request.
KILL_WAIT_SECONDS = 10.0
# Threads sending requests at the same time, as Slack delivers several at once.
SENDER_THREADS = 32
# How long the harness waits for the ideas of a phase to be posted and stored.
IDEA_WAIT_SECONDS = 30.0
POLL_SECONDS = 0.25

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LoadOptions:
    """The settings of one run; the defaults are those of `make load`."""

    speed: float = 100.0
    staff: int = 3000
    seed: int = 8
    # The campaign day (1.0 is its start) at which a process is killed; None kills none.
    kill_at_day: float | None = 10.25
    restart_after_seconds: float = 3.0
    # Seconds between the start of the bot processes and the campaign's opening.
    lead_seconds: float = 10.0
    # How long the close and the outbox may take after the campaign's end.
    settle_seconds: float = 600.0
    # The campaign day from which the manager answers ideas, each answer sending direct
    # messages through the outbox.
    first_answer_day: int = FIRST_ANSWER_DAY
    # Direct messages each process sends per second (STAFFVOICE_OUTBOX_RATE).
    outbox_rate: float = 1.0
    progress_seconds: float = 10.0
    # After the outbox is empty, the harness watches this long for a late repeat.
    quiet_seconds: float = 2.0

    def campaign_seconds(self) -> float:
        """Return the campaign's length in real seconds at this speed."""
        return CAMPAIGN_DAYS * SECONDS_PER_DAY / self.speed


@dataclass
class LoadResult:
    """The checks of a run, with the figures that describe it."""

    rows: list[CheckRow]
    options: LoadOptions
    started: datetime
    seconds: float
    participants: int
    actions: int
    processes: int = PROCESSES
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Return whether every check passed and the run reached its end."""
        return not self.problems and all(row.ok is not False for row in self.rows)


def run_load(options: LoadOptions, *, progress: Progress) -> LoadResult:
    """Run the load and fault test and return its checks."""
    started, started_at = time.monotonic(), datetime.now(UTC)
    plan = build_plan(staff=options.staff, seed=options.seed)
    timeline = build_timeline(plan, seed=options.seed, first_answer_day=options.first_answer_day)
    managers = [member.user_id for member in plan.staff[:MANAGER_COUNT]]
    actions = sum(len(phase.actions) for phase in timeline)
    progress(
        f"Plan: {len(plan.staff)} staff, {len(plan.participants)} taking part, "
        f"{len(plan.ideas)} ideas, {actions} actions in {CAMPAIGN_DAYS} days"
    )
    result = LoadResult(
        rows=[],
        options=options,
        started=started_at,
        seconds=0.0,
        participants=len(plan.participants),
        actions=actions,
    )
    folder = Path(tempfile.mkdtemp(prefix="staffvoice-load-"))
    with scratch_database("postgresql", folder) as database_url:
        standin = SlackStandIn(bot_token=BOT_TOKEN, users=plan.users()).start()
        campaign_id, starts_at = _create_campaign(database_url, options=options)
        fleet = BotFleet(
            count=PROCESSES,
            environment=_bot_environment(
                database_url, api_url=standin.api_url, managers=managers, options=options
            ),
            folder=folder,
        )
        proxy: RoundRobinProxy | None = None
        replay: LoadReplay | None = None
        watcher = _ProgressWatcher(options, progress=progress)
        try:
            fleet.start_all()
            proxy = RoundRobinProxy(fleet.ports).start()
            progress(f"Bot processes on ports {fleet.ports} behind the proxy on port {proxy.port}")
            sender = SlackSender(
                port=proxy.port, signing_secret=SIGNING_SECRET, speed=options.speed
            )
            replay = LoadReplay(
                plan, sender=sender, standin=standin, database_url=database_url, manager=managers[0]
            )
            start = _monotonic_of(starts_at)
            _wait_open(database_url, campaign_id, timeout=options.lead_seconds + 60)
            killer = _Killer(fleet, proxy, options=options, start=start, progress=progress)
            watcher.start(sender=sender, start=start)
            killer.start()
            _send_timeline(timeline, replay=replay, start=start, options=options, progress=progress)
            killer.join()
            _wait_closed(
                database_url,
                campaign_id,
                standin=standin,
                managers=managers,
                end=start + options.campaign_seconds(),
                timeout=options.settle_seconds,
                progress=progress,
            )
            time.sleep(options.quiet_seconds)
            observation = observe(
                replay,
                database_url=database_url,
                campaign_id=campaign_id,
                standin=standin,
                fleet=fleet,
                managers=managers,
            )
            observation.in_flight_at_kill = killer.in_flight_at_kill
            kills_planned = 0 if options.kill_at_day is None else 1
            result.rows = run_checks(observation, kills_planned=kills_planned)
        except _RunStopped as error:
            result.problems.append(str(error))
        finally:
            watcher.stop()
            if proxy is not None:
                proxy.stop()
            fleet.stop()
            standin.stop()
            if replay is not None:
                replay.dispose()
            progress(f"Bot process logs: {', '.join(str(path) for path in fleet.log_paths)}")
    result.seconds = time.monotonic() - started
    return result


class _RunStopped(Exception):
    """The run could not go on, such as when the campaign did not open or close in time."""


def _bot_environment(
    database_url: str, *, api_url: str, managers: list[str], options: LoadOptions
) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "SLACK_API_URL": api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": "",
        "STAFFVOICE_ANON_KEY": ANON_KEY,
        "STAFFVOICE_MANAGERS": ",".join(managers),
        "STAFFVOICE_TIMEZONE": TIMEZONE,
        "STAFFVOICE_OUTBOX_RATE": str(options.outbox_rate),
        "STAFFVOICE_LOG_LEVEL": "INFO",
    }


def _create_campaign(database_url: str, *, options: LoadOptions) -> tuple[int, datetime]:
    """Create the campaign and set its start and end to the run's; return its id and start.

    create_campaign takes a start to the minute and a length in whole days, so the
    times are set afterwards to the second.
    """
    timezone = ZoneInfo(TIMEZONE)
    now = datetime.now(UTC)
    db = Database(database_url)
    try:
        record = create_campaign(
            db,
            title=CAMPAIGN_TITLE,
            channel_id=CHANNEL_ID,
            starts=(now + timedelta(minutes=2)).astimezone(timezone).strftime("%Y-%m-%d %H:%M"),
            days=1,
            timezone=timezone,
            now=now,
            reminder_days=[],
            final_reminder_hours=0,
        )
        starts_at = now + timedelta(seconds=options.lead_seconds)
        ends_at = starts_at + timedelta(seconds=options.campaign_seconds())
        with db.transaction() as session:
            session.execute(
                sa.update(Campaign)
                .where(Campaign.id == record.id)
                .values(starts_at=starts_at, ends_at=ends_at)
            )
    finally:
        db.dispose()
    return record.id, starts_at


def _monotonic_of(moment: datetime) -> float:
    return time.monotonic() + (moment - datetime.now(UTC)).total_seconds()


def _campaign_status(database_url: str, campaign_id: int) -> str:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT status FROM campaigns WHERE id = :id")
            return str(connection.execute(query, {"id": campaign_id}).scalar() or "")
    finally:
        engine.dispose()


def _wait_open(database_url: str, campaign_id: int, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _campaign_status(database_url, campaign_id) != "open":
        if time.monotonic() > deadline:
            raise _RunStopped(
                f"the scheduler did not open campaign {campaign_id} within {timeout:.0f} s"
            )
        time.sleep(POLL_SECONDS)


def _send_timeline(
    timeline: list[Phase],
    *,
    replay: LoadReplay,
    start: float,
    options: LoadOptions,
    progress: Progress,
) -> None:
    """Send each phase's requests at their times, waiting for one phase before the next."""
    rng = random.Random(options.seed)
    end = start + options.campaign_seconds()
    executor = ThreadPoolExecutor(SENDER_THREADS, thread_name_prefix="slack")
    try:
        for phase in timeline:
            jobs: list[tuple[float, Callable[[], object]]] = [
                (moment, partial(replay.perform, action)) for moment, action in phase.actions
            ]
            for body, content_type in replay.take_redeliveries():
                moment = rng.uniform(phase.starts, phase.ends)
                jobs.append((moment, partial(replay.redeliver, body, content_type)))
            jobs.extend((moment, replay.answer) for moment in phase.answers)
            jobs.sort(key=lambda job: job[0])
            futures: list[Future[object]] = []
            for moment, job in jobs:
                delay = start + moment / options.speed - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if time.monotonic() >= end:
                    replay.late += 1
                futures.append(executor.submit(job))
            for future in futures:
                future.result()
            if phase.kind is PhaseKind.IDEAS:
                ideas = [action for _, action in phase.actions]
                missing = replay.find_idea_messages(ideas, timeout=IDEA_WAIT_SECONDS)
                if missing:
                    progress(
                        f"Day {phase.day}: {missing} acknowledged ideas were not posted in time"
                    )
        redeliveries = replay.take_redeliveries()
        for body, content_type in redeliveries:
            executor.submit(replay.redeliver, body, content_type).result()
    finally:
        # An interrupted run drops the requests not sent yet rather than sending them all.
        executor.shutdown(wait=True, cancel_futures=True)


def _wait_closed(
    database_url: str,
    campaign_id: int,
    *,
    standin: SlackStandIn,
    managers: list[str],
    end: float,
    timeout: float,
    progress: Progress,
) -> None:
    """Wait for the close, the summary, each manager's report and an empty outbox."""
    if end > time.monotonic():
        progress(
            f"All requests sent; waiting {end - time.monotonic():.0f} s for the campaign's end"
        )
        time.sleep(max(0.0, end - time.monotonic()))
    deadline = time.monotonic() + timeout
    engine = sa.create_engine(database_url)
    last_report = 0.0
    try:
        while True:
            with engine.connect() as connection:
                status = connection.execute(
                    sa.text("SELECT status FROM campaigns WHERE id = :id"), {"id": campaign_id}
                ).scalar()
                pending = connection.execute(
                    sa.text(
                        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
                    )
                ).scalar()
            reports = all(standin.messages(manager) for manager in managers)
            if status == "closed" and reports and not pending:
                return
            if time.monotonic() > deadline:
                raise _RunStopped(
                    f"{timeout:.0f} s after the end: campaign {status}, "
                    f"{pending} outbox messages unsent, reports to managers "
                    f"{'received' if reports else 'missing'}"
                )
            if time.monotonic() - last_report > 10:
                progress(
                    f"Waiting for the close: campaign {status}, {pending} outbox messages unsent"
                )
                last_report = time.monotonic()
            time.sleep(POLL_SECONDS)
    finally:
        engine.dispose()


class _Killer(threading.Thread):
    """Kills one bot process with SIGKILL at the chosen campaign day and starts it again."""

    def __init__(
        self,
        fleet: BotFleet,
        proxy: RoundRobinProxy,
        *,
        options: LoadOptions,
        start: float,
        progress: Progress,
    ) -> None:
        super().__init__(name="load-killer", daemon=True)
        self._fleet = fleet
        self._proxy = proxy
        self.in_flight_at_kill = 0
        self._options = options
        self._start = start
        self._progress = progress

    def run(self) -> None:
        day = self._options.kill_at_day
        if day is None:
            return
        moment = self._start + (day - 1) * SECONDS_PER_DAY / self._options.speed
        time.sleep(max(0.0, moment - time.monotonic()))
        # The kill waits, for a bounded time, until the process is handling a request, so
        # that at least one request is cut off by it.
        port = self._fleet.ports[KILLED_PROCESS]
        deadline = time.monotonic() + KILL_WAIT_SECONDS
        while self._proxy.in_flight(port) == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        self.in_flight_at_kill = self._proxy.in_flight(port)
        self._fleet.kill(KILLED_PROCESS)
        killed_day = 1 + (time.monotonic() - self._start) * self._options.speed / SECONDS_PER_DAY
        self._progress(
            f"Killed bot process {KILLED_PROCESS + 1} with SIGKILL at day {killed_day:.2f}, "
            f"with {self.in_flight_at_kill} requests in flight"
        )
        time.sleep(self._options.restart_after_seconds)
        try:
            seconds = self._fleet.restart(KILLED_PROCESS)
        except RuntimeError as error:
            self._progress(f"Restarting bot process {KILLED_PROCESS + 1} failed: {error}")
            return
        self._progress(
            f"Restarted bot process {KILLED_PROCESS + 1} after "
            f"{self._options.restart_after_seconds:.0f} s; healthy {seconds:.1f} s later"
        )


class _ProgressWatcher:
    """Prints the elapsed time, simulated day, requests and failures every few seconds."""

    def __init__(self, options: LoadOptions, *, progress: Progress) -> None:
        self._options = options
        self._progress = progress
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, sender: SlackSender, start: float) -> None:
        def report() -> None:
            began = time.monotonic()
            while not self._stopping.wait(self._options.progress_seconds):
                stats = sender.stats
                day = 1 + (time.monotonic() - start) * self._options.speed / SECONDS_PER_DAY
                self._progress(
                    f"{time.monotonic() - began:6.0f} s  day {min(day, CAMPAIGN_DAYS + 1):5.2f}  "
                    f"{stats.requests} requests, {stats.acknowledged} acknowledged, "
                    f"{stats.retries} retries, {stats.failed} unacknowledged"
                )

        self._thread = threading.Thread(target=report, name="load-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()


def print_progress(message: str) -> None:
    """Print one progress line on stderr."""
    print(message, file=sys.stderr, flush=True)
