"""The Slack Web API benchmark: the calls the bot makes per 1,000 ideas and per 1,000 votes.

The real bot (bot.app.build_process, with its vote-count refresher running)
gets signed `/idea` commands and reaction_added votes through its WSGI front,
in process, with its Web API calls going to the Slack stand-in. The stand-in
enforces Slack's published per-method limits (SLACK_RATE_LIMITS, such as
chat.update's Tier 3 of 50 a minute) and chat.postMessage's one message per
second per channel. It enforces no workspace-wide chat.postMessage limit,
because Slack publishes no number for it. Ideas go to campaigns in a few dozen
channels, from a few hundred authors, at 1.5 a second: the bot asks for each
idea's permalink (chat.getPermalink, taken as Tier 4's 100 a minute), so 100
ideas a minute is the most the published limits allow.

Two vote cases follow, each counted from the stand-in's records until the
idea messages show the stored counts: votes in bursts on a handful of ideas,
and votes spread over many ideas.
"""

from __future__ import annotations

import io
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.app import BotProcess, build_process
from bot.config import load_settings
from bot.core.campaigns import create_campaign
from bot.server import EVENTS_PATH, BotWsgiApp
from bot.simulate import payloads
from bot.simulate.local_bot import ANON_KEY, BOT_TOKEN, SIGNING_SECRET
from bot.simulate.signing import sign_request
from bot.simulate.slack_standin import (
    BOT_USER_ID,
    SLACK_CHANNEL_RATE_LIMITS,
    SLACK_RATE_LIMITS,
    RecordedCall,
    SlackStandIn,
)
from scheduler import jobs
from storage.models import Idea, Vote

NAME = "slack_api"

# The goal: fewer chat.update calls than this per idea in any minute, and no 429.
UPDATES_PER_IDEA_MINUTE_TARGET = 5
FULL = {
    "ideas": 1000,
    "authors": 200,
    "channels": 25,
    "ideas_per_second": 1.5,
    "votes": 1000,
    "spread_votes": 1000,
    "handful": 5,
    "bursts": 10,
    "burst_pause_seconds": 8.0,
    "many": 100,
    "settle_seconds": 600.0,
}
QUICK = {
    "ideas": 20,
    "authors": 10,
    "channels": 10,
    "ideas_per_second": 8.0,
    "votes": 20,
    # One vote per idea, so no update waits for an idea's refresh window.
    "spread_votes": 10,
    "handful": 2,
    "bursts": 2,
    "burst_pause_seconds": 0.5,
    "many": 10,
    "settle_seconds": 60.0,
}
WINDOW_SECONDS = 60.0
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Case:
    """One case's Web API calls by method, 429 responses, and chat.update per idea per minute."""

    name: str
    items: int
    ideas: int
    seconds: float
    calls: dict[str, int]
    rate_limited: int
    max_updates_per_idea_minute: int
    settled: bool


@dataclass(frozen=True)
class SlackApiResult:
    """Every case of the run."""

    cases: tuple[Case, ...]


def _environ(body: bytes, content_type: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": EVENTS_PATH,
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    for name, value in sign_request(body, signing_secret=SIGNING_SECRET).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _start_response(status: str, _headers: list[tuple[str, str]]) -> None:
    if not status.startswith("200"):
        raise AssertionError(f"the bot returned HTTP {status}, expected 200")


class _Bot:
    """The bot process behind its WSGI front, and the signed requests it is sent."""

    def __init__(self, process: BotProcess, standin: SlackStandIn) -> None:
        self.process = process
        self.standin = standin
        self.wsgi = BotWsgiApp(process.bolt, db=process.db, signing_secret=SIGNING_SECRET)
        self._serial = 0

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    def idea(self, channel: str, *, author: int) -> None:
        serial = self._next()
        body, content_type = payloads.slash_command(
            text=f"Suggestion {serial}: a quiet room for breaks on the ward",
            user_id=f"U{author:08d}",
            user_name=f"staff{author}",
            channel_id=channel,
            response_url=self.standin.response_url(uuid.uuid4().hex),
            trigger_id=f"{int(time.time())}.{serial}.{uuid.uuid4().hex}",
        )
        self.wsgi(_environ(body, content_type), _start_response)

    def vote(self, channel: str, message_ts: str) -> None:
        serial = self._next()
        event = payloads.reaction_event(
            "reaction_added",
            user=f"V{serial:08d}",
            reaction="+1",
            channel=channel,
            ts=message_ts,
            item_user=BOT_USER_ID,
            event_ts=f"{time.time():.6f}",
        )
        body, content_type = payloads.event_callback(
            event, event_id=f"Ev{serial:010d}", event_time=int(time.time())
        )
        self.wsgi(_environ(body, content_type), _start_response)

    def count(self, model: type[Any]) -> int:
        with self.process.db.transaction() as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)

    def posted_ideas(self) -> list[tuple[int, str, str]]:
        with self.process.db.transaction() as session:
            rows = session.execute(
                sa.select(Idea.id, Idea.channel_id, Idea.message_id)
                .where(Idea.message_id.is_not(None))
                .order_by(Idea.id)
            ).all()
        return [(idea_id, str(channel), str(ts)) for idea_id, channel, ts in rows]

    def unsettled(self, idea_ids: set[int]) -> int:
        """Return how many of the ideas' messages do not show the stored count yet."""
        with self.process.db.transaction() as session:
            rows = session.execute(
                sa.select(Idea.id, Idea.vote_count, Idea.shown_vote_count).where(
                    Idea.id.in_(idea_ids)
                )
            ).all()
        return sum(1 for _id, count, shown in rows if count != (shown or 0))


def _wait(condition: Callable[[], bool], *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def max_per_key_minute(calls: list[RecordedCall], key: Callable[[RecordedCall], str]) -> int:
    """Return the most calls with one key in any WINDOW_SECONDS, over calls in arrival order."""
    times: dict[str, list[float]] = defaultdict(list)
    for call in calls:
        times[key(call)].append(call.at)
    most = 0
    for arrivals in times.values():
        start = 0
        for end, at in enumerate(arrivals):
            while arrivals[start] <= at - WINDOW_SECONDS:
                start += 1
            most = max(most, end - start + 1)
    return most


def _case(
    bot: _Bot,
    name: str,
    *,
    items: int,
    idea_ids: set[int],
    send: Callable[[], None],
    settled: Callable[[], bool],
    settle_seconds: float,
    progress: Callable[[str], None],
) -> Case:
    bot.standin.reset()
    started = time.monotonic()
    send()
    progress(f"slack_api: {name}: sent; waiting for the messages to show the counts")
    done = _wait(settled, timeout=settle_seconds)
    seconds = time.monotonic() - started
    calls = bot.standin.calls()
    updates = [call for call in calls if call.method == "chat.update"]
    return Case(
        name=name,
        items=items,
        ideas=len(idea_ids),
        seconds=seconds,
        calls=dict(Counter(call.method for call in calls)),
        rate_limited=bot.standin.rejected_for_rate(),
        max_updates_per_idea_minute=max_per_key_minute(
            updates, lambda call: f"{call.params.get('channel')}/{call.params.get('ts')}"
        ),
        settled=done,
    )


def run(*, quick: bool, progress: Callable[[str], None]) -> SlackApiResult:
    """Post ideas, then vote in bursts on a handful and spread over many, counting the calls."""
    return run_sizes(QUICK if quick else FULL, progress=progress)


def run_sizes(sizes: dict[str, float], *, progress: Callable[[str], None]) -> SlackApiResult:
    """Run the cases with the sizes of FULL or QUICK, or others of the same keys."""
    standin = SlackStandIn(
        bot_token=BOT_TOKEN,
        rate_limits=SLACK_RATE_LIMITS,
        channel_rate_limits=SLACK_CHANNEL_RATE_LIMITS,
    ).start()
    process: BotProcess | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="staffvoice-slack-api-") as folder:
            settings = load_settings(
                slack_bot_token=BOT_TOKEN,
                slack_signing_secret=SIGNING_SECRET,
                slack_app_token=None,
                slack_api_url=standin.api_url,
                database_url=f"sqlite:///{folder}/slack_api.db",
                staffvoice_anon_key=ANON_KEY,
                _env_file=None,
            )
            process = build_process(settings)
            bot = _Bot(process, standin)
            channels = [f"C0API{index:05d}" for index in range(int(sizes["channels"]))]
            for channel in channels:
                record = create_campaign(
                    process.db,
                    title=f"Web API benchmark {channel}",
                    channel_id=channel,
                    starts="now",
                    timezone=settings.timezone,
                    now=process.clock.now(),
                )
                jobs.open_campaign(record.id)
            cases = _run_cases(bot, channels, sizes, progress)
            return SlackApiResult(tuple(cases))
    finally:
        if process is not None:
            process.stop()
        standin.stop()


def _run_cases(
    bot: _Bot, channels: list[str], sizes: dict[str, float], progress: Callable[[str], None]
) -> list[Case]:
    idea_count = int(sizes["ideas"])
    votes = int(sizes["votes"])
    settle = sizes["settle_seconds"]
    ideas_before = bot.count(Idea)

    def post_ideas() -> None:
        interval = 1.0 / sizes["ideas_per_second"]
        for index in range(idea_count):
            bot.idea(channels[index % len(channels)], author=index % int(sizes["authors"]))
            time.sleep(interval)

    progress(f"slack_api: posting {idea_count:,} ideas in {len(channels)} channels")
    cases = [
        _case(
            bot,
            "ideas",
            items=idea_count,
            idea_ids=set(),
            send=post_ideas,
            settled=lambda: len(bot.posted_ideas()) >= ideas_before + idea_count,
            settle_seconds=settle,
            progress=progress,
        )
    ]
    posted = bot.posted_ideas()
    if len(posted) < idea_count:
        raise AssertionError(f"{len(posted)} of {idea_count} ideas have a message")

    handful = posted[: int(sizes["handful"])]
    handful_ids = {idea_id for idea_id, _, _ in handful}

    def burst_votes() -> None:
        bursts = int(sizes["bursts"])
        for burst in range(bursts):
            for index in range(votes // bursts):
                _, channel, ts = handful[(burst + index) % len(handful)]
                bot.vote(channel, ts)
            time.sleep(sizes["burst_pause_seconds"])

    progress(f"slack_api: {votes:,} votes in bursts on {len(handful)} ideas")
    cases.append(
        _case(
            bot,
            "votes in bursts, few ideas",
            items=votes,
            idea_ids=handful_ids,
            send=burst_votes,
            settled=lambda: bot.count(Vote) >= votes and bot.unsettled(handful_ids) == 0,
            settle_seconds=settle,
            progress=progress,
        )
    )

    many = posted[len(handful) : len(handful) + int(sizes["many"])]
    many_ids = {idea_id for idea_id, _, _ in many}

    spread = int(sizes["spread_votes"])

    def spread_votes() -> None:
        for index in range(spread):
            _, channel, ts = many[index % len(many)]
            bot.vote(channel, ts)

    progress(f"slack_api: {spread:,} votes spread over {len(many)} ideas")
    cases.append(
        _case(
            bot,
            "votes spread over many ideas",
            items=spread,
            idea_ids=many_ids,
            send=spread_votes,
            settled=lambda: bot.count(Vote) >= votes + spread and bot.unsettled(many_ids) == 0,
            settle_seconds=settle,
            progress=progress,
        )
    )
    stored = bot.count(Vote)
    if stored != votes + spread:
        raise AssertionError(f"{stored} votes stored for {votes + spread} sent")
    return cases


def render(result: SlackApiResult) -> str:
    """Return the markdown section: calls per 1,000 by method, 429 responses, updates per idea."""
    methods = sorted({method for case in result.cases for method in case.calls})
    lines = [
        "## Slack Web API cost",
        "",
        "The real bot in process, refresher running, against the stand-in enforcing Slack's "
        "published per-method limits (chat.update: Tier 3, 50 a minute) and chat.postMessage's "
        "one message per second per channel (no workspace-wide chat.postMessage limit is "
        "enforced: Slack publishes no number for it). Calls per 1,000 ideas or votes, by "
        "method, counted until every idea message showed its stored count; 429 responses "
        "include the client's retries.",
        "",
        "| case | sent | ideas | seconds | "
        + " | ".join(methods)
        + " | 429 responses | max chat.update per idea per minute | settled |",
        "|---|---:|---:|---:|" + "---:|" * len(methods) + "---:|---:|---|",
    ]
    for case in result.cases:
        per_thousand = [
            f"{case.calls.get(method, 0) * 1000 / case.items:,.0f}" for method in methods
        ]
        lines.append(
            f"| {case.name} | {case.items:,} | {case.ideas:,} | {case.seconds:.0f} | "
            + " | ".join(per_thousand)
            + f" | {case.rate_limited} | {case.max_updates_per_idea_minute} "
            f"| {'yes' if case.settled else 'no'} |"
        )
    worst = max(case.max_updates_per_idea_minute for case in result.cases)
    refused = sum(case.rate_limited for case in result.cases)
    met = worst < UPDATES_PER_IDEA_MINUTE_TARGET and refused == 0
    lines += [
        "",
        f"Target: under {UPDATES_PER_IDEA_MINUTE_TARGET} chat.update calls per idea per minute "
        f"and no call refused for rate. Measured: at most {worst} per idea per minute, "
        f"{refused} calls got 429: {'met' if met else 'missed'}.",
        "",
    ]
    return "\n".join(lines)
