"""The fan-out benchmark: a group reminder's direct messages to every registered member of staff.

The staff list (one Slack ID each) is loaded with the directory import, a
campaign is opened, and a group reminder to every directorate enqueues one
direct message per person through the outbox. The outbox worker runs in a
child process (tests.benchmarks.fanout_worker) against the Slack stand-in.
The stand-in enforces chat.postMessage's published one message per second per
conversation. As the workspace-wide limit, which Slack names but gives no number
for, it enforces the "1 per second" Slack gives for posting messages. The worker
is killed with SIGKILL once half the messages went out and a new one started,
and the stand-in's records must show every person messaged exactly once.

To fit a run in minutes, the limits run SPEEDUP times faster (the stand-in's
windows are shorter) and STAFFVOICE_OUTBOX_RATE is the product's default
times SPEEDUP, so the ratio of the time taken to the minimum the limit allows
is the one at real speed, apart from the overheads that do not scale.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.core import campaigns, directory, group_reminders, outbox
from bot.core.clock import SystemClock
from bot.core.records import Person
from bot.simulate.slack_standin import (
    CHANNEL_RATE_WINDOW_SECONDS,
    POST_MESSAGE_WORKSPACE_PER_MINUTE,
    RATE_LIMIT_WINDOW_SECONDS,
    SLACK_CHANNEL_RATE_LIMITS,
    SLACK_RATE_LIMITS,
    SlackStandIn,
)
from handlers.group_reminders import SlackGroupReminderNotifier
from handlers.outbox_sender import PLATFORM
from storage.database import Database
from storage.migrate import upgrade
from tests.benchmarks.fanout_worker import BOT_TOKEN

NAME = "fanout"
# The ratio to the minimum time that counts as "near 1".
FANOUT_RATIO_TARGET = 1.1

DIRECTORATES = ("Acute", "Community", "Mental Health", "Corporate", "Estates")
FULL = {"staff": 5000, "speedup": 20.0, "lease_seconds": 6.0}
QUICK = {"staff": 120, "speedup": 50.0, "lease_seconds": 1.0}
CAMPAIGN_CHANNEL = "C0FANOUT1"
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class FanoutResult:
    """What one run sent, how long it took, and what the stand-in recorded."""

    staff: int
    speedup: float
    outbox_rate: float
    lease_seconds: float
    seconds: float
    minimum_seconds: float
    killed_after: int
    delivered: int
    twice: int
    missing: int
    rate_limited: int
    history_calls: int
    database_sent: int

    @property
    def ratio(self) -> float:
        """Return the time taken over the minimum the limit allows."""
        return self.seconds / self.minimum_seconds

    @property
    def real_speed_ratio(self) -> float:
        """Return the ratio with each 429's wait shortened to what it costs at real speed.

        A 429 response's Retry-After is whole seconds, at least 1, at any speed-up. At
        real speed that is one message's slot, here speedup of them, so each 429
        cost the run 1 - 1 / speedup seconds that a real-speed run does not lose.
        """
        excess = self.rate_limited * (1.0 - 1.0 / self.speedup)
        return (self.seconds - excess) / self.minimum_seconds


def _write_staff_list(path: Path, count: int) -> list[str]:
    user_ids = [f"U{index:08d}" for index in range(1, count + 1)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ("Email", "Name", "Directorate", "Pay Band", "Staff Group", "Locality", "Slack ID")
        )
        for index, user_id in enumerate(user_ids):
            writer.writerow(
                (
                    f"staff{index}@example.nhs.uk",
                    f"Member {index}",
                    DIRECTORATES[index % len(DIRECTORATES)],
                    "Band 5",
                    "Nursing and Midwifery",
                    "Main site",
                    user_id,
                )
            )
    return user_ids


def _enqueue_reminder(db: Database, staff_csv: Path, staff: int) -> list[str]:
    """Load the staff list, open a campaign and send a reminder to every directorate."""
    clock = SystemClock()
    user_ids = _write_staff_list(staff_csv, staff)
    imported = directory.import_staff(db, staff_csv, now=clock.now())
    if imported.added != staff:
        raise AssertionError(f"imported {imported.added} of {staff} staff")
    timezone = Settings(_env_file=None).timezone  # type: ignore[call-arg]
    record = campaigns.create_campaign(
        db,
        title="Fan-out benchmark",
        channel_id=CAMPAIGN_CHANNEL,
        starts="now",
        timezone=timezone,
        now=clock.now(),
    )
    campaigns.open_campaign(db, record.id, now=clock.now())
    sent = group_reminders.send_group_reminder(
        db,
        SlackGroupReminderNotifier(timezone=timezone),
        group_reminders.ReminderRequest(
            campaign_id=record.id, dimension="directorate", groups=DIRECTORATES
        ),
        by=Person(platform=PLATFORM, team_id="T0001", user_id="U0MANAGER"),
        now=clock.now(),
        min_group_size=11,
    )
    if sent.recipients != staff:
        raise AssertionError(f"the reminder reached {sent.recipients} of {staff} staff")
    return user_ids


def _start_worker(
    database_url: str, standin: SlackStandIn, *, rate: float, lease_seconds: float
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.fanout_worker",
            "--database-url",
            database_url,
            "--api-url",
            standin.api_url,
            "--rate",
            str(rate),
            "--lease-seconds",
            str(lease_seconds),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if line != "ready":
        process.kill()
        raise RuntimeError(f"the outbox worker did not start: {line!r}")
    return process


def _accepted_so_far(standin: SlackStandIn) -> int:
    """Return about how many messages the stand-in accepted, without copying its records."""
    return standin.count("chat.postMessage") - standin.rejected_for_rate()


def _delivered(standin: SlackStandIn) -> Counter[str]:
    return Counter(
        str(call.params["channel"])
        for call in standin.calls("chat.postMessage")
        if call.status == 200 and call.error is None
    )


def run(*, quick: bool, progress: Callable[[str], None]) -> FanoutResult:
    """Send one direct message to each member of staff, killing the worker half-way."""
    sizes = QUICK if quick else FULL
    staff = int(sizes["staff"])
    speedup = sizes["speedup"]
    lease_seconds = sizes["lease_seconds"]
    workspace_per_second = POST_MESSAGE_WORKSPACE_PER_MINUTE / RATE_LIMIT_WINDOW_SECONDS
    rate = outbox_rate = workspace_per_second * speedup
    limits = {**SLACK_RATE_LIMITS, "chat.postMessage": POST_MESSAGE_WORKSPACE_PER_MINUTE}
    with (
        tempfile.TemporaryDirectory(prefix="staffvoice-fanout-") as folder,
        SlackStandIn(
            bot_token=BOT_TOKEN,
            rate_limits=limits,
            rate_limit_window_seconds=RATE_LIMIT_WINDOW_SECONDS / speedup,
            channel_rate_limits=SLACK_CHANNEL_RATE_LIMITS,
            channel_rate_window_seconds=CHANNEL_RATE_WINDOW_SECONDS / speedup,
        ) as standin,
    ):
        database_url = f"sqlite:///{folder}/fanout.db"
        upgrade(database_url)
        db = Database(database_url)
        progress(f"fanout: importing {staff:,} staff and enqueueing the reminder")
        user_ids = _enqueue_reminder(db, Path(folder) / "staff.csv", staff)

        progress(f"fanout: sending at {rate:g} a second, {speedup:g} times Slack's speed")
        worker = _start_worker(database_url, standin, rate=rate, lease_seconds=lease_seconds)
        # From the first worker's start; the restart's time counts, as the kill's cost.
        started = time.monotonic()
        try:
            while _accepted_so_far(standin) < staff // 2:
                if worker.poll() is not None:
                    raise RuntimeError(f"the outbox worker exited with {worker.returncode}")
                time.sleep(POLL_SECONDS)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            killed_after = _accepted_so_far(standin)
            progress(f"fanout: killed the worker after {killed_after:,} messages; restarting")
            worker = _start_worker(database_url, standin, rate=rate, lease_seconds=lease_seconds)
            reported = 0
            while outbox.outbox_counts(db, platform=PLATFORM, now=SystemClock().now()).pending:
                if worker.poll() is not None:
                    raise RuntimeError(f"the outbox worker exited with {worker.returncode}")
                delivered = _accepted_so_far(standin)
                if delivered - reported >= staff // 5:
                    progress(f"fanout: {delivered:,} of {staff:,} delivered")
                    reported = delivered
                time.sleep(POLL_SECONDS)
            seconds = time.monotonic() - started
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        counts = outbox.outbox_counts(db, platform=PLATFORM, now=SystemClock().now())
        db.dispose()
        delivered_to = _delivered(standin)
    return FanoutResult(
        staff=staff,
        speedup=speedup,
        outbox_rate=outbox_rate,
        lease_seconds=lease_seconds,
        seconds=seconds,
        minimum_seconds=staff / (workspace_per_second * speedup),
        killed_after=killed_after,
        delivered=sum(delivered_to.values()),
        twice=sum(1 for user_id in user_ids if delivered_to[user_id] > 1),
        missing=sum(1 for user_id in user_ids if delivered_to[user_id] == 0),
        rate_limited=standin.rejected_for_rate(),
        history_calls=standin.count("conversations.history"),
        database_sent=counts.sent,
    )


def render(result: FanoutResult) -> str:
    """Return the markdown section: time against the minimum, and the exactly-once check."""
    once = result.twice == 0 and result.missing == 0 and result.database_sent == result.staff
    lines = [
        "## Fan-out of direct messages",
        "",
        f"A group reminder to {result.staff:,} registered staff (directory import with Slack "
        "IDs), one direct message each through the outbox. The worker runs in a child process "
        "and is killed with SIGKILL half-way, then started again. The stand-in enforces "
        "chat.postMessage's published one message per second per conversation and, as the "
        "workspace-wide limit Slack does not give a number for, the 1 per second it gives for "
        f"posting messages. Limits and STAFFVOICE_OUTBOX_RATE both run {result.speedup:g} "
        f"times faster ({result.outbox_rate:g} messages a second), so the minimum is "
        f"{result.staff:,} / {result.outbox_rate:g} seconds; at real speed the same run takes "
        f"{result.minimum_seconds * result.speedup / 60:.0f} minutes at least. The outbox "
        f"lease is {result.lease_seconds:g} s, so the restart may wait up to that long for the "
        "killed worker's claim to expire.",
        "",
        "| staff | seconds | minimum seconds | ratio | ratio, 429 waits at real speed "
        "| killed after | delivered | twice | missing | 429 responses "
        "| conversations.history calls |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result.staff:,} | {result.seconds:.1f} | {result.minimum_seconds:.1f} "
        f"| {result.ratio:.2f} | {result.real_speed_ratio:.2f} "
        f"| {result.killed_after:,} | {result.delivered:,} "
        f"| {result.twice} | {result.missing} | {result.rate_limited} "
        f"| {result.history_calls} |",
        "",
        f"Every person messaged exactly once after the kill: {'yes' if once else 'no'}.",
        "",
        "Target: a ratio near 1 and none twice after a kill. Measured: "
        f"{result.ratio:.2f} ({result.real_speed_ratio:.2f} with 429 waits at real speed), "
        f"{result.twice} twice: "
        + (
            "met."
            if once and result.real_speed_ratio <= FANOUT_RATIO_TARGET
            else f"missed (a ratio up to {FANOUT_RATIO_TARGET:g} counts as near 1)."
        ),
        "",
        "The outbox paces itself at exactly the limit, and the stand-in counts a strict "
        "sliding window, so a message that reaches it a few milliseconds early gets "
        "429. Each such response costs a wait of Retry-After, at least 1 s, which is "
        f"{result.speedup:g} messages' time at this speed-up but one message's at real speed; "
        "the second ratio counts those waits at their real-speed length. The restart also "
        "costs the new process's start-up and, for the killed worker's claimed batch only, "
        "the wait for its lease to expire.",
        "",
    ]
    return "\n".join(lines)
