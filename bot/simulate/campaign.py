"""`staffvoice simulate`: replay a 20-day campaign through the real bot and check its totals.

The real bot runs in HTTP mode in this process (LocalBot) against the Slack stand-in, on
SQLite unless a database URL is given. A manager announces the campaign an hour before its
start and some staff ask to be reminded (lifecycle.py). Simulated staff then send signed
Slack requests to its /slack/events endpoint from several threads, following the seeded
plan of traffic.py, and choose from the topic menu after each `/idea TEXT`. The bot's domain
clock is a ManualClock moved a day at a time, so 20 days pass in about a minute. Request
signatures carry the real time. Before the opening the run loads a staff list, and on day 2
it enters ideas from paper forms (directory.py). At the end the scheduler closes the
campaign. The run then checks four things. The totals the closing summary reports must
equal the database's and those expected from the requests sent. Each idea must have the
topic its author chose. The opening messages, digests, reminders and final reports must
each have arrived once. And the participation report must count, by group, the people
who took part.

That is the run on Slack. With `--platform both` a seeded half of the staff take part
from a Teams channel of the same campaign instead, as Teams activities (teams_traffic.py),
and `--platform teams` runs the campaign in Teams alone (teams_campaign.py).
"""

from __future__ import annotations

import http.client
import itertools
import logging
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.config import Settings
from bot.core.campaign_channels import add_campaign_channel
from bot.core.campaigns import create_campaign, list_campaigns
from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate import payloads
from bot.simulate.action_events import action_event, idea_form_values
from bot.simulate.answers import STATUS_FILE, CampaignAnswers, CheckLine
from bot.simulate.boards import TeamBoards
from bot.simulate.common import (
    IdeaMessage,
    MessageTimestamps,
    SimulationFailed,
    parse_idea_message,
    wait_until,
)
from bot.simulate.directory import PAPER_IDEAS_DAY, DirectoryRun
from bot.simulate.lifecycle import MANAGER_COUNT, TOPICS, Lifecycle, LifecycleFailed
from bot.simulate.local_bot import BOT_TOKEN, HttpResult, LocalBot, SlackRequestClient
from bot.simulate.recognition import RECOGNITION_CHANNEL, Recognition
from bot.simulate.recognition import VALUES as RECOGNITION_VALUES
from bot.simulate.slack_standin import SlackStandIn
from bot.simulate.staff_list import build_staff_list
from bot.simulate.teams_activities import TeamsResult
from bot.simulate.teams_traffic import (
    IDEA_KINDS,
    SLACK_ONLY_IN_BOTH,
    TEAMS_CHANNEL,
    TeamsStaff,
    not_sent_lines,
    split_staff,
)
from bot.simulate.teams_traffic import REDELIVERY_LABEL as TEAMS_REDELIVERY_LABEL
from bot.simulate.traffic import (
    CAMPAIGN_DAYS,
    MIN_STAFF,
    Action,
    ActionKind,
    CampaignPlan,
    DayPlan,
    Ledger,
    Totals,
    build_plan,
)
from handlers.ids import IdeaIds, IdeaTopicIds
from handlers.mrkdwn import escape
from scheduler import jobs

CHANNEL_ID = "C0STAFFVOICE"
CAMPAIGN_TITLE = "Your voice: how we work together"
# The header of the closing summary that handlers.blocks.campaigns.summary_message builds.
SUMMARY_HEADER = "Campaign closed"
# Concurrent senders, each with its own keep-alive connection, like Slack's parallel deliveries.
SENDER_THREADS = 8
# How long the bot may take to catch up with one phase of one day before the run fails.
SETTLE_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.05
# Button presses after the close leave no trace in the database when they change nothing,
# so the run waits this long for a second notice that should not come.
QUIET_SECONDS = 1.0
# How long before its start the campaign is created, announced and registered for.
ANNOUNCEMENT_LEAD = timedelta(hours=1)
# Outbox messages per second: the stand-in has no workspace limit, and the opening
# messages and digests must not hold up a run that replays 20 days in about a minute.
OUTBOX_RATE = 50.0
# chat.update calls a minute for the refresher: the stand-in enforces no limit, and
# Slack's pace (45 a minute) would take minutes to redraw a closed campaign's ideas.
UPDATES_PER_MINUTE = 3000.0
# Messages a second the bot sends to one Teams conversation: the stand-in enforces no
# limit, and Teams' own (60 in 30 seconds, 1,800 an hour) would hold up a run that
# replays 20 days in minutes.
TEAMS_SENDS_PER_SECOND = 200.0
# Hours after the start of a campaign day at which each phase of that day happens.
IDEAS_HOUR, ENGAGEMENT_HOUR, FOLLOW_UP_HOUR = 1, 4, 8
# How long before the close the clock stops, so notices due before it go out first.
CLOSE_APPROACH = timedelta(minutes=1)
HTTP_OK = 200
ERRORS_SHOWN = 5
# The width of the first column of the requests table, for the longest Teams label.
REQUEST_LABEL_WIDTH = 52

# The closing summary's totals, in the form handlers.blocks.campaigns.totals_line writes.
TOTALS_PATTERN = re.compile(r"Ideas: (\d+) · Comments: (\d+) · Votes: (\d+) · Participants: (\d+)")

REQUEST_LABELS = {
    ActionKind.IDEA_COMMAND: "/idea with text",
    ActionKind.REACTION_ADDED: "reaction_added",
    ActionKind.REACTION_REMOVED: "reaction_removed",
    ActionKind.VOTE_BUTTON: "block_actions (Vote button)",
    ActionKind.THREAD_REPLY: "message (thread reply)",
    ActionKind.REPLY_EDITED: "message_changed (reply edited)",
    ActionKind.REPLY_DELETED: "message_deleted (reply deleted)",
    ActionKind.BOT_REPLY: "message (reply from another app)",
}
FORM_OPEN_LABEL = "/idea alone (opens the form)"
FORM_SUBMIT_LABEL = "view_submission (idea form)"
REDELIVERY_LABEL = "redelivered event (retry_num=1)"
TOPIC_CHOICE_LABEL = "block_actions (topic menu)"
AFTER_CLOSE_SUFFIX = " after the close"
# The start of the text of an idea message from a paper form, as handlers.blocks.ideas writes it.
PAPER_MESSAGE_START = "Idea from a paper form:"

# The platforms `staffvoice simulate --platform` takes, as the report names them.
SLACK, TEAMS, BOTH = "slack", "teams", "both"
# A run on both platforms splits the staff in two, and each half needs MIN_STAFF people.
MIN_STAFF_ON_BOTH = 2 * MIN_STAFF
PLATFORM_NAMES = {SLACK: "Slack", TEAMS: "Teams", BOTH: "Slack and Teams"}
_SLACK_CHECKS = (
    "the expected, database and summary totals agree, every idea has the topic its author "
    "chose, each lifecycle message arrived once, the team boards hold what was sent and "
    "sent each answer and digest once, the participation report counts by group the people "
    "who took part, the campaign's answers reached each author and voter once, \"You said, "
    "we did\" was posted once, the report's answer statistics match the answers sent, and "
    "each thanks card was posted once with one message to each colleague it thanks."
)
# The checks an OK run has passed, by platform.
OK_CHECKS = {
    SLACK: _SLACK_CHECKS,
    TEAMS: (
        "the expected, database and final report totals agree, every idea has the topic its "
        "author chose, each idea's card in the channel carries its Vote button, each digest, "
        "reminder and final report arrived once, and no vote after the close counted."
    ),
    BOTH: (
        _SLACK_CHECKS[:-1] + "; the summary counts both platforms, each idea from Teams has "
        "its card with its Vote button in the Teams channel, and no vote in Teams after the "
        "close counted."
    ),
}


@dataclass
class SimulationResult:
    """The outcome of a run: the requests sent, the three sets of totals, and the exit code."""

    exit_code: int = 1
    expected: Totals | None = None
    database: Totals | None = None
    summary: Totals | None = None
    requests: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    replay_seconds: float = 0.0
    database_url: str = ""
    # Lifecycle messages the stand-in received by kind, and the last digest's lines.
    lifecycle: Counter[str] = field(default_factory=Counter)
    digest: list[str] = field(default_factory=list)
    # The team boards' activity and the messages the bot sent about them.
    boards: Counter[str] = field(default_factory=Counter)
    # The checks after the close: answers, their notices, the update and the report.
    loop: list[CheckLine] = field(default_factory=list)
    # The answer statistics line of `/campaign report ID`, as a manager reads it.
    answer_stats: str = ""
    # SLACK, TEAMS or BOTH; the campaign's length; and plan actions not sent, by reason.
    platform: str = "slack"
    days: int = CAMPAIGN_DAYS
    not_sent: Counter[str] = field(default_factory=Counter)

    @property
    def summary_label(self) -> str:
        """Return the name of the closing message whose totals the run compares."""
        return "final report" if self.platform == TEAMS else "summary"

    @property
    def request_count(self) -> int:
        """Return how many requests were sent to the bot in all."""
        return sum(self.requests.values())


@dataclass(frozen=True)
class DatabaseCounts:
    """Totals counted with SQL on the bot's database, with the edited replies and vote_count sum."""

    totals: Totals
    edited: int
    vote_count_sum: int


class DatabaseCounter:
    """Counts a campaign's rows with its own SQL, independently of the bot's summary code."""

    def __init__(self, url: str, *, campaign_id: int) -> None:
        # A plain engine: the bot's own engine starts every transaction with BEGIN
        # IMMEDIATE on SQLite, which would make these reads wait for the bot's writers.
        self._engine = sa.create_engine(url)
        self._campaign = {"campaign": campaign_id}

    def count(self) -> DatabaseCounts:
        """Return the campaign's ideas, live comments, vote rows, participants and edits."""
        campaign_ideas = "SELECT id FROM ideas WHERE campaign_id = :campaign"
        live_comments = f"FROM comments WHERE deleted_at IS NULL AND idea_id IN ({campaign_ideas})"
        campaign_votes = f"FROM votes WHERE idea_id IN ({campaign_ideas})"
        participants = (
            "SELECT COUNT(*) FROM ("
            f"SELECT platform, team_id, user_id {campaign_votes} "
            f"UNION SELECT platform, team_id, user_id {live_comments} "
            "UNION SELECT platform, team_id, author_id FROM ideas "
            "WHERE campaign_id = :campaign AND author_id IS NOT NULL) AS people"
        )
        with self._engine.connect() as connection:

            def scalar(sql: str) -> int:
                return int(connection.execute(sa.text(sql), self._campaign).scalar() or 0)

            totals = Totals(
                ideas=scalar("SELECT COUNT(*) FROM ideas WHERE campaign_id = :campaign"),
                comments=scalar(f"SELECT COUNT(*) {live_comments}"),
                votes=scalar(f"SELECT COUNT(*) {campaign_votes}"),
                participants=scalar(participants),
            )
            edited = scalar(f"SELECT COUNT(*) {live_comments} AND edited_at IS NOT NULL")
            vote_count_sum = scalar(
                "SELECT COALESCE(SUM(vote_count), 0) FROM ideas WHERE campaign_id = :campaign"
            )
        return DatabaseCounts(totals=totals, edited=edited, vote_count_sum=vote_count_sum)

    def ideas_by_topic(self) -> dict[int | None, int]:
        """Return the campaign's idea count per topic id, None for ideas with no topic."""
        query = sa.text(
            "SELECT topic_id, COUNT(*) FROM ideas WHERE campaign_id = :campaign GROUP BY topic_id"
        )
        with self._engine.connect() as connection:
            return {row[0]: int(row[1]) for row in connection.execute(query, self._campaign)}

    def recorded_messages(self, idea_ids: list[int]) -> dict[int, str | None]:
        """Return the message id the bot has stored for each of idea_ids."""
        query = sa.text("SELECT id, message_id FROM ideas WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        )
        with self._engine.connect() as connection:
            return {row[0]: row[1] for row in connection.execute(query, {"ids": idea_ids})}

    def processed_event_ids(self, event_ids: list[str]) -> set[str]:
        """Return which of event_ids the bot has recorded as handled."""
        if not event_ids:
            # An empty expanding IN is rendered as an integer subquery, which PostgreSQL
            # cannot compare with the text column.
            return set()
        query = sa.text("SELECT event_id FROM processed_events WHERE event_id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        )
        with self._engine.connect() as connection:
            return {row[0] for row in connection.execute(query, {"ids": event_ids})}

    def dispose(self) -> None:
        """Close the engine's connections."""
        self._engine.dispose()


class SenderPool:
    """Threads that send requests, each over its own kept-alive connection to the bot."""

    def __init__(self, bot: LocalBot, *, threads: int) -> None:
        self._bot = bot
        self._local = threading.local()
        self._clients: list[SlackRequestClient] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="staff")

    def client(self) -> SlackRequestClient:
        """Return the calling thread's client, creating it on first use."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._bot.client()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def run(self, jobs: list[Callable[[], None]]) -> None:
        """Run every job on the pool's threads and return when all are done."""
        for future in [self._executor.submit(job) for job in jobs]:
            future.result()

    def close(self) -> None:
        """Stop the threads and close their connections."""
        self._executor.shutdown(wait=True)
        for client in self._clients:
            client.close()


class Replay:
    """Sends a plan's actions as Slack requests or Teams activities, and keeps the totals due."""

    def __init__(
        self,
        plan: CampaignPlan,
        *,
        bot: LocalBot,
        pool: SenderPool,
        campaign: CampaignRecord,
        teams: TeamsStaff | None = None,
    ) -> None:
        """teams, when given, sends the actions of the people on Teams as Teams activities."""
        self.plan = plan
        self.bot = bot
        self.pool = pool
        self.campaign = campaign
        self.teams = teams
        self.expected = Ledger()
        self.requests: Counter[str] = Counter()
        # Plan actions not sent because the platform they happen on has no counterpart.
        self.not_sent: Counter[str] = Counter()
        self.errors: list[str] = []
        self.idea_messages: dict[int, IdeaMessage] = {}
        self._usernames = {member.user_id: member.username for member in plan.staff}
        self._comment_ts: dict[int, str] = {}
        self._lock = threading.Lock()
        self._timestamps = MessageTimestamps()
        self._sequence = itertools.count(1)
        # The bot remembers event ids for a day, so a rerun must not reuse the last run's.
        self._run_id = uuid.uuid4().hex[:6].upper()
        self._shuffle = random.Random(plan.seed)
        self._redeliveries: list[Callable[[], None]] = []
        self._topic_ids = [topic.id for topic in campaign.topics]
        # Ideas per topic id, counted when the form or the author's menu choice got 200.
        self.expected_topics: Counter[int] = Counter()

    # Sending

    def send_all(self, actions: list[Action]) -> None:
        """Send actions mixed with the previous phase's redeliveries, and wait for the responses."""
        jobs: list[Callable[[], None]] = [partial(self.perform, action) for action in actions]
        with self._lock:
            redeliveries, self._redeliveries = self._redeliveries, []
        for redelivery in redeliveries:
            position = self._shuffle.randint(0, len(jobs))
            jobs.insert(position, redelivery)
        self.pool.run(jobs)

    def redeliver(self, body: bytes, content_type: str) -> None:
        """Send an event's request again, marked as Slack's first retry."""
        self.send(self.pool.client(), REDELIVERY_LABEL, body, content_type, retry_num=1)

    def request_count(self) -> int:
        """Return how many requests were sent so far."""
        with self._lock:
            return sum(self.requests.values())

    def pending_redeliveries(self) -> int:
        """Return how many redeliveries wait for the next call of send_all."""
        with self._lock:
            return len(self._redeliveries)

    def perform(self, action: Action) -> None:
        """Send the request or requests for one action; count it as expected if all got 200."""
        if self.teams is not None:
            reason = self.teams.not_sent_reason(action)
            if reason is not None:
                with self._lock:
                    self.not_sent[reason] += 1
                return
            if self.teams.on_teams(action):
                self._perform_on_teams(action)
                return
        client = self.pool.client()
        kind = action.kind
        if kind is ActionKind.IDEA_COMMAND:
            body, content_type = self._slash_command(action.user_id, action.text)
            ok = self.send(client, REQUEST_LABELS[kind], body, content_type)
        elif kind is ActionKind.IDEA_FORM:
            # Slack sends the view_submission only after the person filled in the modal
            # that the bare /idea opened.
            body, content_type = self._slash_command(action.user_id, "")
            ok = self.send(client, FORM_OPEN_LABEL, body, content_type)
            if ok:
                body, content_type = self._form_submission(action)
                ok = self.send(client, FORM_SUBMIT_LABEL, body, content_type)
            if ok and self._topic_ids:
                with self._lock:
                    self.expected_topics[self.topic_for(action)] += 1
        elif kind is ActionKind.VOTE_BUTTON:
            body, content_type = self.vote_button_body(
                action, response_token=f"vote-{next(self._sequence)}"
            )
            ok = self.send(client, REQUEST_LABELS[kind], body, content_type)
        else:
            body, content_type = self.event_envelope(action, event_id=self.next_event_id())
            ok = self.send(client, REQUEST_LABELS[kind], body, content_type)
            if action.redeliver:
                with self._lock:
                    self._redeliveries.append(partial(self.redeliver, body, content_type))
        if ok:
            with self._lock:
                self.expected.apply(action)

    def _perform_on_teams(self, action: Action) -> None:
        """Send one action as Teams activities; count it, and its topic, as expected if taken."""
        assert self.teams is not None
        topic_id = None
        if action.kind in IDEA_KINDS and self._topic_ids:
            topic_id = self.topic_for(action)
        outcome = self.teams.perform(action, send=self.send_activity, topic_id=topic_id)
        with self._lock:
            if outcome.redelivery is not None:
                self._redeliveries.append(partial(self._send_again, outcome.redelivery))
            if outcome.ok:
                self.expected.apply(action)
                if topic_id is not None:
                    self.expected_topics[topic_id] += 1

    def _send_again(self, activity: dict[str, Any]) -> None:
        """Send a Teams activity a second time with the same id, as a retried delivery."""
        self.send_activity(TEAMS_REDELIVERY_LABEL, activity)

    def on_slack(self, actions: list[Action]) -> list[Action]:
        """Return the actions that happen in Slack."""
        if self.teams is None:
            return actions
        return [action for action in actions if not self.teams.on_teams(action)]

    def send_activity(self, label: str, activity: dict[str, Any]) -> TeamsResult:
        """Post one Teams activity from the calling thread's connection, and count it."""
        assert self.teams is not None
        try:
            result = self.teams.client().send(activity)
        except (OSError, http.client.HTTPException) as error:
            result = TeamsResult(status=0, body=repr(error))
        self._count(label, result.status, str(result.body or ""))
        return result

    def topic_for(self, action: Action) -> int:
        """Return the id of the topic chosen for an idea, spread over the topics by idea index."""
        assert action.idea is not None
        return self._topic_ids[(action.idea + self.plan.seed) % len(self._topic_ids)]

    def choose_topics(self, actions: list[Action]) -> None:
        """Choose a topic from the menu the bot sent the author of each `/idea TEXT` idea."""
        choices = [
            action
            for action in actions
            if action.kind is ActionKind.IDEA_COMMAND and action.idea in self.idea_messages
        ]
        if len(self._topic_ids) > 1:
            self.pool.run([partial(self._choose_topic, action) for action in choices])
        elif self._topic_ids:
            # With one topic the bot assigns it at once and sends no menu.
            with self._lock:
                self.expected_topics[self._topic_ids[0]] += len(choices)

    def _choose_topic(self, action: Action) -> None:
        message = self.idea_messages[action.idea] if action.idea is not None else None
        assert message is not None
        topic_id = self.topic_for(action)
        number = next(self._sequence)
        body, content_type = payloads.block_actions(
            user_id=action.user_id,
            user_name=self._usernames.get(action.user_id, action.user_id.lower()),
            channel_id=CHANNEL_ID,
            message_ts=self._timestamps.next(),
            action_id=IdeaTopicIds.CHOICE_ACTION.value,
            value="",
            block_id=IdeaTopicIds.CHOICE_BLOCK.value,
            response_url=self.bot.standin.response_url(f"topic-{number}"),
            trigger_id=f"{int(time.time())}.{number}.simulated",
            selected_option={
                "text": {"type": "plain_text", "text": f"Topic {topic_id}"},
                "value": f"{message.idea_id}:{topic_id}",
            },
            is_ephemeral=True,
        )
        if self.send(self.pool.client(), TOPIC_CHOICE_LABEL, body, content_type):
            with self._lock:
                self.expected_topics[topic_id] += 1

    def send(
        self,
        client: SlackRequestClient,
        label: str,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
    ) -> bool:
        """Sign and send one request and count it; return whether it got HTTP 200."""
        return self.exchange(client, label, body, content_type, retry_num=retry_num).status == (
            HTTP_OK
        )

    def exchange(
        self,
        client: SlackRequestClient,
        label: str,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
    ) -> HttpResult:
        """Sign and send one request, count it, and return the response; status 0 for none."""
        try:
            result = client.send(body, content_type, retry_num=retry_num)
        except (OSError, http.client.HTTPException) as error:
            result = HttpResult(status=0, body=repr(error))
        self._count(label, result.status, result.body)
        return result

    def _count(self, label: str, status: int, body: str) -> None:
        with self._lock:
            self.requests[label] += 1
            if status != HTTP_OK:
                self.errors.append(f"{label}: HTTP {status or 'no response'} {body[:200]}")

    def username(self, user_id: str) -> str:
        """Return a person's Slack username, as payloads carry it."""
        return self._usernames.get(user_id, user_id.lower())

    def next_event_id(self) -> str:
        """Return a new Events API event id, unique across runs on the same database."""
        return f"Ev{self._run_id}{next(self._sequence):08d}"

    # Request bodies

    def _slash_command(self, user_id: str, text: str) -> tuple[bytes, str]:
        number = next(self._sequence)
        return payloads.slash_command(
            text=text,
            user_id=user_id,
            user_name=self._usernames.get(user_id, user_id.lower()),
            channel_id=CHANNEL_ID,
            response_url=self.bot.standin.response_url(f"command-{number}"),
            trigger_id=f"{int(time.time())}.{number}.simulated",
        )

    def _form_submission(self, action: Action) -> tuple[bytes, str]:
        number = next(self._sequence)
        values = idea_form_values(
            action, topic_id=self.topic_for(action) if self._topic_ids else None
        )
        return payloads.view_submission(
            user_id=action.user_id,
            user_name=self._usernames.get(action.user_id, action.user_id.lower()),
            callback_id=IdeaIds.MODAL_CALLBACK.value,
            values=values,
            private_metadata=CHANNEL_ID,
            view_id=f"V{number:09d}",
        )

    def vote_button_body(self, action: Action, *, response_token: str) -> tuple[bytes, str]:
        """Build the block_actions body of a Vote button press with a chosen response URL token."""
        assert action.idea is not None
        message = self.idea_messages[action.idea]
        return payloads.block_actions(
            user_id=action.user_id,
            user_name=self._usernames.get(action.user_id, action.user_id.lower()),
            channel_id=CHANNEL_ID,
            message_ts=message.ts,
            action_id=IdeaIds.VOTE_ACTION.value,
            value=str(message.idea_id),
            block_id=f"vote-{message.idea_id}",
            response_url=self.bot.standin.response_url(response_token),
            trigger_id=f"{int(time.time())}.{next(self._sequence)}.simulated",
            message_blocks=message.blocks,
        )

    def event_envelope(self, action: Action, *, event_id: str) -> tuple[bytes, str]:
        """Build the Events API request for an action that Slack delivers as an event."""
        return payloads.event_callback(
            self._event(action), event_id=event_id, event_time=int(time.time())
        )

    def _event(self, action: Action) -> dict[str, Any]:
        assert action.idea is not None
        return action_event(
            action,
            channel_id=CHANNEL_ID,
            idea_ts=self.idea_messages[action.idea].ts,
            comment_ts=self._comment_ts,
            timestamps=self._timestamps,
            lock=self._lock,
        )

    # Reading the channel

    def find_idea_messages(self, actions: list[Action], *, timeout: float) -> None:
        """Wait until every idea of actions is shown in the channel, and note its message.

        A message is matched by its first section, which must be the idea's text escaped
        for mrkdwn, so an idea that pinged <!channel> instead of quoting it is not found.
        """
        pending = {escape(action.text): action.idea for action in actions}
        seen: set[str] = set()

        def all_found() -> bool:
            for message in self.bot.standin.messages(CHANNEL_ID):
                if message["ts"] in seen:
                    continue
                seen.add(message["ts"])
                found = parse_idea_message(message)
                if found is None:
                    continue
                text, idea_message = found
                index = pending.pop(text, None)
                if index is not None:
                    self.idea_messages[index] = idea_message
            return not pending

        wait_until(
            all_found,
            timeout=timeout,
            describe=lambda: (
                f"{len(pending)} ideas were not posted in {CHANNEL_ID} with their text escaped"
            ),
        )


def _message_with_header(standin: SlackStandIn, header: str) -> dict[str, Any] | None:
    """Return the channel's first message whose first block is a header with this text."""
    for message in standin.messages(CHANNEL_ID):
        blocks = message.get("blocks") or []
        if not blocks or blocks[0].get("type") != "header":
            continue
        if blocks[0]["text"]["text"] == header:
            return message
    return None


def plain_text(blocks: list[dict[str, Any]]) -> list[str]:
    """Return the lines of a message's blocks as a person reads them: links as their labels."""
    lines: list[str] = []
    for block in blocks:
        texts = [(block.get("text") or {}).get("text")]
        # A context block, such as the report's note on its ranking method, holds elements.
        texts += [element.get("text") for element in block.get("elements") or []]
        for text in texts:
            if not text or not isinstance(text, str):
                continue
            text = re.sub(r"<[^|>]+\|([^>]+)>", r"\1", text)
            text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            lines.extend(text.split("\n"))
    return lines


def parse_totals(text: str) -> Totals | None:
    """Return the totals in a summary text, or None when it has no totals line."""
    match = TOTALS_PATTERN.search(text)
    if match is None:
        return None
    ideas, comments, votes, participants = (int(group) for group in match.groups())
    return Totals(ideas=ideas, comments=comments, votes=votes, participants=participants)


@contextmanager
def _quiet_bot_logs(settings: Settings) -> Iterator[None]:
    """Raise the bot's loggers to WARNING, since an INFO line per idea would bury the report."""
    names = ("bot", "handlers", "storage", "scheduler", "microsoft_teams")
    previous = {name: logging.getLogger(name).level for name in names}
    # httpx, the Teams SDK's HTTP client, logs a line per request at INFO. The SDK sets
    # httpx's level whenever it makes a client, so a filter drops those lines instead.
    httpx_logger = logging.getLogger("httpx")
    warnings_only = _WarningsOnly()
    if settings.staffvoice_log_level != "DEBUG":
        for name in names:
            logging.getLogger(name).setLevel(logging.WARNING)
        httpx_logger.addFilter(warnings_only)
    try:
        yield
    finally:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)
        httpx_logger.removeFilter(warnings_only)


class _WarningsOnly(logging.Filter):
    """Passes records of WARNING and above."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


class ClosedVoteCheck:
    """Sends votes after the close, and checks that none counts and each voter gets one notice.

    The bot sends a voter one notice per campaign: by chat.postEphemeral for a reaction,
    and through the press's response_url for a button.
    """

    def __init__(self, replay: Replay, *, counter: DatabaseCounter) -> None:
        self.replay = replay
        self.counter = counter
        self.standin = replay.bot.standin
        self._ephemerals_before = len(self.standin.calls("chat.postEphemeral"))
        self._response_tokens: dict[str, list[str]] = {}
        self._event_ids: list[str] = []
        self.reaction_voters: set[str] = set()
        self.voters: set[str] = set()

    def send(self, action: Action, *, round_number: int) -> None:
        """Send one vote after the close, and note where the bot's notice for it will appear."""
        replay = self.replay
        label = REQUEST_LABELS[action.kind] + AFTER_CLOSE_SUFFIX
        self.voters.add(action.user_id)
        if action.kind is ActionKind.VOTE_BUTTON:
            token = f"after-close-{round_number}-{action.user_id}"
            self._response_tokens.setdefault(action.user_id, []).append(token)
            body, content_type = replay.vote_button_body(action, response_token=token)
        else:
            self.reaction_voters.add(action.user_id)
            event_id = replay.next_event_id()
            self._event_ids.append(event_id)
            body, content_type = replay.event_envelope(action, event_id=event_id)
        replay.send(replay.pool.client(), label, body, content_type)

    def notices(self) -> Counter[str]:
        """Count the closed-campaign notices each voter after the close received."""
        notices: Counter[str] = Counter()
        for call in self.standin.calls("chat.postEphemeral")[self._ephemerals_before :]:
            user = str(call.params.get("user"))
            if user in self.reaction_voters:
                notices[user] += 1
        for user, tokens in self._response_tokens.items():
            notices[user] += sum(len(self.standin.responses(token)) for token in tokens)
        return notices

    def run(self, plan: CampaignPlan) -> list[str]:
        """Send both rounds, print one line, and return the problems found."""
        before = self.counter.count().totals
        for action in plan.after_close_first:
            self.send(action, round_number=1)
        wait_until(
            lambda: all(self.notices()[user] >= 1 for user in self.voters),
            timeout=SETTLE_TIMEOUT_SECONDS,
            describe=lambda: "not every voter after the close got a notice that voting has closed",
        )
        for action in plan.after_close_second:
            self.send(action, round_number=2)
        wait_until(
            lambda: self.counter.processed_event_ids(self._event_ids) == set(self._event_ids),
            timeout=SETTLE_TIMEOUT_SECONDS,
            describe=lambda: "the bot did not process the reactions sent after the close",
        )
        # NOTE: a button press after the close leaves no row behind, so a second notice
        # that arrives later than QUIET_SECONDS goes unseen.
        time.sleep(QUIET_SECONDS)

        problems = []
        after = self.counter.count().totals
        if after != before:
            changes = "; ".join(after.differences(before))
            problems.append(f"votes after the close changed the totals: {changes}")
        notices = self.notices()
        not_once = sorted(user for user in self.voters if notices[user] != 1)
        if not_once:
            problems.append(
                f"{len(not_once)} voters after the close did not get exactly one notice: "
                + ", ".join(f"{user} ({notices[user]} notices)" for user in not_once)
            )
        sent = len(plan.after_close_first) + len(plan.after_close_second)
        people = "person" if len(self.voters) == 1 else "people"
        print(
            f"\nVotes after the close: {sent} sent by {len(self.voters)} {people}, "
            f"{'none counted' if after == before else 'some counted'}, "
            f"{len(self.voters) - len(not_once)} of {len(self.voters)} got exactly one notice "
            "that voting has closed."
        )
        return problems


class CampaignRun:
    """One simulated campaign, from the bot's start to its closing summary."""

    def __init__(
        self,
        plan: CampaignPlan,
        *,
        database_url: str,
        result: SimulationResult,
        folder: Path,
        min_group_size: int,
        platform: str = SLACK,
    ) -> None:
        """platform is SLACK, or BOTH for a seeded half of the staff taking part from Teams."""
        self.plan = plan
        self.database_url = database_url
        self.result = result
        self.folder = folder
        self.started = time.monotonic()
        managers = [member.user_id for member in plan.staff[:MANAGER_COUNT]]
        self.teams_people = split_staff(plan, keep_on_slack=managers) if platform == BOTH else {}
        self.directory = DirectoryRun(
            build_staff_list(plan.staff, participants=plan.participants, seed=plan.seed),
            folder=folder,
            min_group_size=min_group_size,
            unmatched=frozenset(self.teams_people),
        )

    def elapsed(self) -> float:
        """Return seconds since the run started."""
        return time.monotonic() - self.started

    def run(self) -> None:
        """Start the bot, announce and open the campaign, replay the plan, close and check."""
        clock = ManualClock(datetime.now(UTC))
        emails = self.directory.staff_list.profile_emails()
        users: dict[str, dict[str, Any]] = {
            user_id: {**fields, "profile": {"email": emails[user_id]}}
            for user_id, fields in self.plan.users().items()
        }
        standin = SlackStandIn(bot_token=BOT_TOKEN, users=users)
        # The people on Slack; the managers are among them.
        staff = [
            member.user_id for member in self.plan.staff if member.user_id not in self.teams_people
        ]
        with LocalBot(
            database_url=self.database_url,
            clock=clock,
            standin=standin,
            outbox_rate=OUTBOX_RATE,
            updates_per_minute=UPDATES_PER_MINUTE,
            managers=staff[:MANAGER_COUNT],
            teams=bool(self.teams_people),
            teams_sends_per_second=TEAMS_SENDS_PER_SECOND,
        ) as bot:
            assert bot.process is not None
            campaign = self._create_campaign(bot, clock=clock)
            teams = self._add_teams_channel(bot, campaign)
            self.directory.load(bot.process.db, api_url=standin.api_url, clock=clock)
            self.lifecycle = Lifecycle(
                bot=bot,
                campaign=campaign,
                staff=staff,
                usernames={member.user_id: member.username for member in self.plan.staff},
                timezone=bot.process.settings.timezone,
                seed=self.plan.seed,
            )
            self.boards = TeamBoards(
                bot=bot,
                staff=staff[MANAGER_COUNT:],
                managers=staff[:MANAGER_COUNT],
                usernames={member.user_id: member.username for member in self.plan.staff},
                timezone=bot.process.settings.timezone,
                seed=self.plan.seed,
            )
            self.recognition = Recognition(
                bot=bot,
                staff=staff[MANAGER_COUNT:],
                manager=staff[0],
                usernames={member.user_id: member.username for member in self.plan.staff},
                days=len(self.plan.days),
                seed=self.plan.seed,
            )
            counter = DatabaseCounter(bot.process.settings.database_url, campaign_id=campaign.id)
            pool = SenderPool(bot, threads=SENDER_THREADS)
            replay = Replay(self.plan, bot=bot, pool=pool, campaign=campaign, teams=teams)
            try:
                if teams is not None:
                    installer = next(iter(self.teams_people))
                    teams.join(installer=installer, personal=(), send=replay.send_activity)
                self._open(replay, clock=clock)
                self._run_days(replay, clock=clock, counter=counter)
                self._close(replay, clock=clock, counter=counter)
                self.lifecycle.check_close()
                self.boards.check(now=clock.now())
                # Counted now, because the answers below send more direct messages.
                self.result.lifecycle = self.lifecycle.counts()
                self.result.boards = self.boards.counts()
                self._vote_after_close(replay, counter=counter)
                self._check_topics(replay, counter=counter)
                self._check_participation(replay, clock=clock, counter=counter)
                self._close_the_loop(replay, clock=clock)
                self.recognition.check()
                self._check_teams_closing(replay)
            except LifecycleFailed as error:
                raise SimulationFailed(str(error)) from None
            finally:
                self.result.problems.extend(self.lifecycle.problems)
                self.result.problems.extend(self.boards.problems)
                self.result.problems.extend(self.directory.problems)
                self.result.problems.extend(self.recognition.problems)
                self.result.loop.extend(self.recognition.lines)
                self.recognition.dispose()
                if not self.result.lifecycle:
                    self.result.lifecycle = self.lifecycle.counts()
                if not self.result.boards:
                    self.result.boards = self.boards.counts()
                self.result.digest = self.lifecycle.last_digest()
                self._collect(replay)
                pool.close()
                counter.dispose()

    def _collect(self, replay: Replay) -> None:
        """Copy the requests, errors and actions not sent into the result."""
        self.result.requests = replay.requests
        self.result.errors = replay.errors
        self.result.not_sent = replay.not_sent
        if replay.teams is not None:
            self.result.problems.extend(replay.teams.problems)
            replay.teams.close()

    def _add_teams_channel(self, bot: LocalBot, campaign: CampaignRecord) -> TeamsStaff | None:
        """Run the campaign in the Teams channel as well when some staff are on Teams."""
        if not self.teams_people:
            return None
        assert bot.process is not None
        add_campaign_channel(
            bot.process.db, campaign.id, platform="teams", channel_id=TEAMS_CHANNEL.channel_id
        )
        print(
            f"{len(self.teams_people)} of {len(self.plan.staff)} staff take part from Teams, "
            f"in channel {TEAMS_CHANNEL.name!r} of the same campaign; the others from Slack."
        )
        for line in SLACK_ONLY_IN_BOTH:
            print(f"Slack only: {line}")
        return TeamsStaff(bot=bot, plan=self.plan, people=self.teams_people)

    def _check_teams_closing(self, replay: Replay) -> None:
        """Compare the totals of the closing message in the Teams channel, if the bot posted one."""
        if replay.teams is None:
            return
        lines = replay.teams.find_card(SUMMARY_HEADER)
        if lines is None:
            self.result.problems.append("the Teams channel got no closing message")
            return
        totals = parse_totals("\n".join(lines))
        if totals != self.result.database:
            self.result.problems.append(
                f"the closing message in the Teams channel shows totals {totals}, "
                f"the database {self.result.database}"
            )
            return
        print("\nThe closing message in the Teams channel shows the database's totals.")

    def _vote_after_close(self, replay: Replay, *, counter: DatabaseCounter) -> None:
        """Vote after the close from each platform on the ideas posted from it."""
        first = self._after_close_on(replay, self.plan.after_close_first)
        second = self._after_close_on(replay, self.plan.after_close_second)
        slack_plan = replace(
            self.plan,
            after_close_first=replay.on_slack(first),
            after_close_second=replay.on_slack(second),
        )
        if slack_plan.after_close_first or slack_plan.after_close_second:
            self.result.problems.extend(ClosedVoteCheck(replay, counter=counter).run(slack_plan))
        if replay.teams is not None:
            on_teams = [action for action in first + second if replay.teams.on_teams(action)]
            self.result.problems.extend(
                replay.teams.vote_after_close(
                    on_teams,
                    send=replay.send_activity,
                    records=counter,
                    totals=lambda: counter.count().totals,
                    timeout=SETTLE_TIMEOUT_SECONDS,
                )
            )

    def _after_close_on(self, replay: Replay, actions: list[Action]) -> list[Action]:
        """Return the votes after the close that a person can cast, on their platform's ideas."""
        if replay.teams is None:
            return actions
        kept = []
        for action in actions:
            reason = replay.teams.not_sent_reason(action)
            if reason is None:
                kept.append(action)
            else:
                replay.not_sent[reason] += 1
        return kept

    def _close_the_loop(self, replay: Replay, *, clock: ManualClock) -> None:
        """Answer ideas as a manager, post "You said, we did", and check what people got."""
        manager = self.lifecycle.managers[0]
        answers = CampaignAnswers(
            bot=replay.bot,
            campaign=replay.campaign,
            manager=manager,
            manager_name=replay.username(manager),
            folder=self.folder,
            seed=self.plan.seed,
            # The answers' checks read Slack's messages, so ideas from Teams get none.
            platform=SLACK if self.teams_people else None,
        )
        client = replay.pool.client()

        def exchange(label: str, body: bytes, content_type: str) -> HttpResult:
            return replay.exchange(client, label, body, content_type)

        def exchange_on_own_thread(label: str, body: bytes, content_type: str) -> HttpResult:
            return replay.exchange(replay.pool.client(), label, body, content_type)

        try:
            planned = answers.plan()
            menu = sum(answer.from_menu for answer in planned)
            print(
                f"\nAnswering {len(planned)} ideas after the close: {menu} from the status menu, "
                f"{len(planned) - menu} from {STATUS_FILE} as `staffvoice ideas status` does."
            )
            answers.answer_from_menu(exchange, clock=clock)
            answers.answer_from_file(clock=clock)
            answers.check_messages()
            answers.check_notices()
            answers.post_update(exchange_on_own_thread, clock=clock, run_together=replay.pool.run)
            answers.check_report(exchange, idea_count=replay.expected.totals().ideas)
        finally:
            self.result.loop.extend(answers.lines)
            self.result.problems.extend(answers.problems)
            self.result.answer_stats = answers.stats_line
            answers.dispose()

    def _create_campaign(
        self,
        bot: LocalBot,
        *,
        clock: ManualClock,
        platform: str = SLACK,
        channel_id: str = CHANNEL_ID,
    ) -> CampaignRecord:
        """Create the campaign with its topics, starting an hour from the clock's time."""
        assert bot.process is not None
        db = bot.process.db
        # Ideas go to the open campaign of their channel, so an earlier one would take them.
        existing = list_campaigns(db, statuses=("scheduled", "open"))
        if existing:
            raise SimulationFailed(
                f"the database already has {len(existing)} scheduled or open campaigns "
                f"(first: id {existing[0].id}); use an empty database or leave out --database-url"
            )
        timezone = bot.process.settings.timezone
        starts = (clock.now() + ANNOUNCEMENT_LEAD).astimezone(timezone)
        return create_campaign(
            db,
            title=CAMPAIGN_TITLE,
            channel_id=channel_id,
            platform=platform,
            starts=starts.strftime("%Y-%m-%d %H:%M"),
            days=len(self.plan.days),
            timezone=timezone,
            now=clock.now(),
            topics=TOPICS,
        )

    def _open(self, replay: Replay, *, clock: ManualClock) -> None:
        """Announce the campaign, register interest, then move the clock to its start."""
        lifecycle = self.lifecycle
        client = replay.pool.client()

        def send(label: str, body: bytes, content_type: str) -> bool:
            return replay.send(client, label, body, content_type)

        lifecycle.announce(send)
        lifecycle.register(send)
        print(
            f"Announced {CAMPAIGN_TITLE!r} with {len(TOPICS)} topics; "
            f"{lifecycle.presses} Remind me presses leave {len(lifecycle.registered)} "
            f"people registered ({len(lifecycle.withdrawn)} withdrew)."
        )
        self.recognition.set_up(partial(replay.exchange, client))
        print(
            f"Set the recognition channel {RECOGNITION_CHANNEL} and {len(RECOGNITION_VALUES)} "
            f"values; staff send {len(self.recognition.planned)} thanks during the campaign."
        )
        clock.set(replay.campaign.starts_at)
        wait_until(
            lambda: _message_with_header(replay.bot.standin, CAMPAIGN_TITLE) is not None,
            timeout=SETTLE_TIMEOUT_SECONDS,
            describe=lambda: "the scheduler did not post the launch message",
        )
        if replay.teams is not None:
            replay.teams.wait_for_launch(CAMPAIGN_TITLE, timeout=SETTLE_TIMEOUT_SECONDS)
        lifecycle.check_openings()
        print(f"Opened; {len(lifecycle.registered)} opening messages sent, {self.elapsed():.1f} s.")
        self.boards.start(send, now=clock.now())
        print(f"Started {len(self.boards.boards)} team Your Shout boards beside the campaign.")

    def _move_clock(self, clock: ManualClock, moment: datetime) -> None:
        """Move the clock, then wait for the digests and reminders due by then."""
        clock.set(moment)
        self.lifecycle.wait_for_notices(moment)
        self.boards.wait_for_digests(moment)

    def _check_topics(self, replay: Replay, *, counter: DatabaseCounter) -> None:
        """Compare the ideas per topic in the database with the topics staff chose."""
        stored = counter.ideas_by_topic()
        expected: dict[int | None, int] = {
            topic_id: count for topic_id, count in replay.expected_topics.items()
        }
        if stored != expected:
            self.result.problems.append(
                f"ideas by topic id (None for no topic): database {stored}, expected {expected}"
            )

    def _import_paper_ideas(self, replay: Replay, *, clock: ManualClock) -> None:
        """Enter the paper forms' ideas as `staffvoice ideas import` does, and expect them."""
        assert replay.bot.process is not None
        by_topic = self.directory.import_paper_ideas(
            replay.bot.process.db,
            campaign=replay.campaign,
            timezone=replay.bot.process.settings.timezone,
            now=clock.now(),
        )
        replay.expected.add_offline_ideas(sum(by_topic.values()))
        replay.expected_topics.update(by_topic)

    def _check_participation(
        self, replay: Replay, *, clock: ManualClock, counter: DatabaseCounter
    ) -> None:
        """Check that the bot posted the paper ideas, then compare the participation report."""
        assert replay.bot.process is not None
        paper_ids = self.directory.paper_idea_ids
        # The bot's retry loop posts them every 30 s of real time, long before the close.
        wait_until(
            lambda: None not in counter.recorded_messages(paper_ids).values(),
            timeout=SETTLE_TIMEOUT_SECONDS,
            describe=lambda: "the bot did not post the ideas entered from paper forms",
        )
        posted = {
            message["ts"]: str(message.get("text", ""))
            for message in replay.bot.standin.messages(CHANNEL_ID)
        }
        unmarked = [
            idea_id
            for idea_id, ts in counter.recorded_messages(paper_ids).items()
            if not posted.get(str(ts), "").startswith(PAPER_MESSAGE_START)
        ]
        if unmarked:
            self.result.problems.append(
                f"ideas {unmarked} from paper forms are not shown as {PAPER_MESSAGE_START!r}"
            )
        self.directory.check(
            replay.bot.process.db,
            campaign_id=replay.campaign.id,
            ledger=replay.expected,
            timezone=replay.bot.process.settings.timezone,
            now=clock.now(),
        )

    def _run_days(self, replay: Replay, *, clock: ManualClock, counter: DatabaseCounter) -> None:
        replay_started = time.monotonic()
        print(f"Replaying {len(self.plan.days)} days in {self._channels(replay)}:")
        try:
            for day_plan in self.plan.days:
                self._run_day(day_plan, replay=replay, clock=clock, counter=counter)
        finally:
            self.result.replay_seconds = time.monotonic() - replay_started

    def _channels(self, replay: Replay) -> str:
        """Return the campaign's channels, as the progress lines name them."""
        if replay.teams is None:
            return f"channel {CHANNEL_ID}"
        return f"Slack channel {CHANNEL_ID} and Teams channel {replay.teams.channel.channel_id}"

    def _run_day(
        self, day_plan: DayPlan, *, replay: Replay, clock: ManualClock, counter: DatabaseCounter
    ) -> None:
        """Send one day's three phases, each after the bot has caught up with the previous."""
        day = day_plan.day
        day_start = replay.campaign.starts_at + timedelta(days=day - 1)
        self._move_clock(clock, day_start + timedelta(hours=IDEAS_HOUR))
        replay.send_all(day_plan.ideas)
        self._after_ideas(day_plan, replay=replay, clock=clock, counter=counter)

        self._move_clock(clock, day_start + timedelta(hours=ENGAGEMENT_HOUR))
        replay.send_all(day_plan.engagement)
        self._wait_for_database(replay, counter, day=day)
        self._after_engagement(day, replay=replay, clock=clock)

        self._move_clock(clock, day_start + timedelta(hours=FOLLOW_UP_HOUR))
        replay.send_all(day_plan.follow_ups)
        if day == len(self.plan.days) and replay.pending_redeliveries():
            # Nothing follows the last phase, so its redeliveries go on their own.
            replay.send_all([])
        totals = self._wait_for_database(replay, counter, day=day)
        print(
            f"  day {day:>2}: {replay.request_count():>5} requests, "
            f"ideas {totals.ideas:>4}, comments {totals.comments:>4}, "
            f"votes {totals.votes:>4}, participants {totals.participants:>4}, "
            f"{self.elapsed():5.1f} s",
            flush=True,
        )

    def _after_ideas(
        self, day_plan: DayPlan, *, replay: Replay, clock: ManualClock, counter: DatabaseCounter
    ) -> None:
        """Find the day's ideas in their channels, choose topics, and enter the paper ideas."""
        on_slack = replay.on_slack(day_plan.ideas)
        replay.find_idea_messages(on_slack, timeout=SETTLE_TIMEOUT_SECONDS)
        self._wait_for_recorded_messages(replay, counter, on_slack)
        replay.choose_topics(on_slack)
        if replay.teams is not None:
            replay.teams.find_idea_cards(
                day_plan.ideas, records=counter, timeout=SETTLE_TIMEOUT_SECONDS
            )
        if day_plan.day == PAPER_IDEAS_DAY:
            self._import_paper_ideas(replay, clock=clock)

    def _after_engagement(self, day: int, *, replay: Replay, clock: ManualClock) -> None:
        """Send the day's traffic on the team boards and the thanks cards due."""
        client = replay.pool.client()
        self.boards.run_day(
            day,
            lambda label, body, content_type: replay.send(client, label, body, content_type),
            now=clock.now(),
        )
        self.recognition.run_day(day, partial(replay.exchange, client), clock=clock)
        if day == PAPER_IDEAS_DAY:
            # The bot's retry job posts imported ideas every 30 s of real time, which a
            # short run may not reach before the close, so the run calls the job itself.
            jobs.retry_deliveries()

    def _wait_for_recorded_messages(
        self, replay: Replay, counter: DatabaseCounter, ideas: list[Action]
    ) -> None:
        """Wait until the bot has stored the message id of each idea posted in the channel.

        The bot posts an idea's message before it stores the message's ts, and until then it
        ignores reactions and replies on that message, so staff act only after that.
        """
        message_ids = {
            message.idea_id: message.ts
            for message in (
                replay.idea_messages[action.idea] for action in ideas if action.idea is not None
            )
        }

        def recorded() -> bool:
            return counter.recorded_messages(list(message_ids)) == message_ids

        wait_until(
            recorded,
            timeout=SETTLE_TIMEOUT_SECONDS,
            describe=lambda: "the bot did not store the message ids of the ideas it posted",
        )

    def _wait_for_database(self, replay: Replay, counter: DatabaseCounter, *, day: int) -> Totals:
        """Wait until the database contains the expected totals and edits; return the totals."""
        expected, expected_edits = replay.expected.totals(), replay.expected.edited_count()
        latest: list[DatabaseCounts] = []

        def caught_up() -> bool:
            counts = counter.count()
            latest[:] = [counts]
            return counts.totals == expected and counts.edited == expected_edits

        def describe() -> str:
            counts = latest[0]
            differences = counts.totals.differences(expected)
            if counts.edited != expected_edits:
                differences.append(f"edited replies: {counts.edited} vs {expected_edits}")
            return f"day {day}, database vs expected: " + "; ".join(differences)

        wait_until(caught_up, timeout=SETTLE_TIMEOUT_SECONDS, describe=describe)
        return expected

    def _reach_close(self, replay: Replay, *, clock: ManualClock) -> None:
        """Move the clock to the campaign's end, which makes the scheduler close it."""
        # The last day's digest can fall due between the last phase and the close, as
        # when the campaign opened after 08:00. A jump straight to the close would find
        # the campaign closed when the digest job runs, so the clock stops just before.
        self._move_clock(clock, replay.campaign.ends_at - CLOSE_APPROACH)
        # Reaching ends_at makes the scheduler's re-sync run the closing job now.
        clock.set(replay.campaign.ends_at)

    def _close(self, replay: Replay, *, clock: ManualClock, counter: DatabaseCounter) -> None:
        standin = replay.bot.standin
        self._reach_close(replay, clock=clock)
        wait_until(
            lambda: _message_with_header(standin, SUMMARY_HEADER) is not None,
            timeout=SETTLE_TIMEOUT_SECONDS,
            describe=lambda: "the scheduler did not post the closing summary",
        )
        message = _message_with_header(standin, SUMMARY_HEADER)
        assert message is not None
        lines = plain_text(message.get("blocks") or [])
        print(f"\nClosing summary as posted in {CHANNEL_ID}:")
        for line in lines:
            print(f"  {line}")
        self._record_totals(replay, counter, summary=parse_totals(message.get("text", "")))
        if replay.teams is not None:
            replay.teams.check_cards_closed(timeout=SETTLE_TIMEOUT_SECONDS)

    def _record_totals(
        self, replay: Replay, counter: DatabaseCounter, *, summary: Totals | None
    ) -> None:
        """Keep the expected, database and summary totals, and check the vote_count column."""
        self.result.expected = replay.expected.totals()
        counts = counter.count()
        self.result.database = counts.totals
        self.result.summary = summary
        if self.result.summary is None:
            self.result.problems.append("the closing summary's text has no totals line")
        if counts.vote_count_sum != counts.totals.votes:
            self.result.problems.append(
                f"ideas.vote_count adds up to {counts.vote_count_sum} but there are "
                f"{counts.totals.votes} vote rows"
            )


def _print_totals(result: SimulationResult) -> None:
    rows = (
        ("expected (sent)", result.expected),
        ("database", result.database),
        (result.summary_label, result.summary),
    )
    print(f"\n{'':<16}{'ideas':>8}{'comments':>10}{'votes':>8}{'participants':>14}")
    for name, totals in rows:
        if totals is None:
            print(f"{name:<16}{'-':>8}{'-':>10}{'-':>8}{'-':>14}")
            continue
        print(
            f"{name:<16}{totals.ideas:>8}{totals.comments:>10}{totals.votes:>8}"
            f"{totals.participants:>14}"
        )


def _print_requests(result: SimulationResult) -> None:
    print("\nRequests sent by kind:")
    for label, count in sorted(result.requests.items(), key=lambda item: -item[1]):
        print(f"  {label:<{REQUEST_LABEL_WIDTH}}{count:>6}")
    print(f"  {'total':<{REQUEST_LABEL_WIDTH}}{result.request_count:>6}")
    if result.not_sent:
        print("Plan actions not sent:")
        for line in not_sent_lines(result.not_sent):
            print(line)

    print(f"HTTP errors (status other than 200): {len(result.errors)}")
    for error in result.errors[:ERRORS_SHOWN]:
        print(f"  {error}")
    if len(result.errors) > ERRORS_SHOWN:
        print(f"  and {len(result.errors) - ERRORS_SHOWN} more")


def _print_lifecycle(result: SimulationResult) -> None:
    stand_in = "Teams" if result.platform == TEAMS else "Slack"
    print(f"\nLifecycle messages received by the {stand_in} stand-in:")
    for label, count in result.lifecycle.items():
        print(f"  {label:<44}{count:>6}")
    if result.digest:
        print("Last daily digest, as sent to the first manager:")
        for line in result.digest:
            print(f"  {line}")
    if result.boards:
        print("\nTeam Your Shout boards:")
        for label, count in result.boards.items():
            print(f"  {label:<44}{count:>6}")


def _print_loop(result: SimulationResult) -> None:
    if not result.loop:
        return
    print("\nAfter the close:")
    for line in result.loop:
        verdict = "OK" if line.ok else "FAILED"
        print(f"  {line.label:<44}{line.detail:<48}{verdict}")
    if result.answer_stats:
        print(f"Answer statistics in /campaign report: {result.answer_stats}")


def _command_name() -> str:
    """Return how to run staffvoice again: the full path it was started by, when that is a file."""
    started_as = Path(sys.argv[0])
    if started_as.name == "staffvoice" and started_as.is_file():
        return str(started_as.resolve())
    return "staffvoice"


def _report(result: SimulationResult, *, temporary_path: Path | None) -> None:
    """Print the totals table, the requests by kind, the timing and the verdict."""
    _print_totals(result)
    _print_requests(result)
    _print_lifecycle(result)
    _print_loop(result)

    rate = result.request_count / result.replay_seconds if result.replay_seconds else 0.0
    print(
        f"\nElapsed: {result.elapsed_seconds:.1f} s in all, {result.replay_seconds:.1f} s "
        f"replaying {result.days} days; {rate:.0f} requests/s over the replay."
    )
    if temporary_path is not None:
        print(
            f"Database: {temporary_path}\n  inspect it with: "
            f"DATABASE_URL=sqlite:///{temporary_path} {_command_name()} ideas"
        )

    where = PLATFORM_NAMES[result.platform]
    if result.exit_code == 0:
        print(f"Result: OK on {where}, {OK_CHECKS[result.platform]}")
        return
    print(f"Result: FAILED on {where}")
    for problem in result.problems:
        print(f"  {problem}")


def _verdict(result: SimulationResult) -> None:
    """Set result.problems from the totals and errors, and exit_code from the problems."""
    if result.expected is not None and result.database is not None:
        for difference in result.expected.differences(result.database):
            result.problems.append(f"expected vs database, {difference}")
    if result.expected is not None and result.summary is not None:
        for difference in result.expected.differences(result.summary):
            result.problems.append(f"expected vs {result.summary_label}, {difference}")
    if result.database is not None and result.summary is not None:
        for difference in result.database.differences(result.summary):
            result.problems.append(f"database vs {result.summary_label}, {difference}")
    if result.errors:
        result.problems.append(f"{len(result.errors)} requests got an HTTP status other than 200")
    complete = None not in (result.expected, result.database, result.summary)
    result.exit_code = 0 if complete and not result.problems else 1


def simulate(
    *,
    staff: int,
    seed: int,
    database_url: str | None,
    settings: Settings,
    platform: str = SLACK,
    days: int = CAMPAIGN_DAYS,
) -> SimulationResult:
    """Run the simulated campaign, print its progress and report, and return the result.

    platform is SLACK, TEAMS or BOTH; days shortens the campaign, for quick runs in tests.
    """
    started = time.monotonic()
    plan = build_plan(staff=staff, seed=seed, days=days)
    temporary_path = None
    # The run's folder, for its database unless one is given, and the CSV files it imports.
    folder = Path(tempfile.mkdtemp(prefix="staffvoice-simulate-"))
    if database_url is None:
        temporary_path = folder / "staffvoice.db"
        database_url = f"sqlite:///{temporary_path}"
    result = SimulationResult(database_url=database_url, platform=platform, days=days)
    counts = plan.action_counts()
    vote_kinds = (ActionKind.REACTION_ADDED, ActionKind.REACTION_REMOVED, ActionKind.VOTE_BUTTON)
    print(
        f"Simulating a {days}-day campaign on {PLATFORM_NAMES[platform]}: {staff} staff, "
        f"{len(plan.participants)} "
        f"taking part, {len(plan.ideas)} ideas, {counts[ActionKind.THREAD_REPLY]} replies, "
        f"{sum(counts[kind] for kind in vote_kinds)} vote actions (seed {seed})."
    )
    if temporary_path is not None:
        print(f"Database: {temporary_path}")
    run_class = CampaignRun
    if platform == TEAMS:
        # Imported here, because the Teams run builds on this module's classes.
        from bot.simulate.teams_campaign import TeamsCampaignRun

        run_class = TeamsCampaignRun
    run = run_class(
        plan,
        database_url=database_url,
        result=result,
        folder=folder,
        min_group_size=settings.staffvoice_min_group_size,
        platform=platform,
    )
    with _quiet_bot_logs(settings):
        try:
            run.run()
        except SimulationFailed as error:
            result.problems.append(f"the run stopped early: {error}")
    result.elapsed_seconds = time.monotonic() - started
    _verdict(result)
    _report(result, temporary_path=temporary_path)
    return result


def run_simulation(
    *,
    staff: int,
    seed: int,
    database_url: str | None,
    settings: Settings,
    platform: str = SLACK,
) -> int:
    """Run the simulated campaign for `staffvoice simulate` and return its exit code."""
    if staff < MIN_STAFF:
        print(f"staffvoice: --staff must be at least {MIN_STAFF}, got {staff}", file=sys.stderr)
        return 2
    if platform not in PLATFORM_NAMES:
        print(
            f"staffvoice: --platform must be one of {', '.join(PLATFORM_NAMES)}, got {platform!r}",
            file=sys.stderr,
        )
        return 2
    if platform == BOTH and staff < MIN_STAFF_ON_BOTH:
        print(
            f"staffvoice: --staff must be at least {MIN_STAFF_ON_BOTH} with --platform both, "
            f"got {staff}",
            file=sys.stderr,
        )
        return 2
    result = simulate(
        staff=staff, seed=seed, database_url=database_url, settings=settings, platform=platform
    )
    return result.exit_code
