"""The simulated campaign's answers after the close, its "You said, we did" update, and checks.

A day after the close a manager answers a few ideas from the status menu on their
messages and the modal it opens. Two days later the outcome of a leadership meeting
answers the rest, up to ANSWER_TARGET ideas in all, from one CSV file applied with
set_statuses_from_file, the function behind `staffvoice ideas status --from FILE.csv`.
The answers cover all five statuses, and some name an owner or give a reply. The manager
then previews the update with `/campaign yousaid ID` and presses Post twice at once, as a
double click does, and asks for `/campaign report ID`.

The checks: each answered idea's message shows its answer; each author (unless
anonymous) and voter got one direct message per answer, as the database's votes and
status history say they should; the update appeared once in the channel and counts the
answered ideas by status; and the report's answer statistics equal what was sent.
"""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa

from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.core.status_import import set_statuses_from_file
from bot.core.statuses import STATUS_LABELS, status_label
from bot.simulate import payloads
from bot.simulate.common import SimulationFailed, wait_until
from bot.simulate.local_bot import HttpResult, LocalBot
from handlers.ids import StatusIds, YouSaidIds
from handlers.mrkdwn import escape, excerpt
from handlers.status_notices import OfflineStatusNotifier
from scheduler import jobs
from storage.database import Database

# About this many of the campaign's ideas get an answer, or all of them in a smaller run.
ANSWER_TARGET = 40
# Of those, this many are answered from the status menu on the idea's message.
MENU_ANSWERS = 5
# When the menu answers and the file's answers are given, counted from the close.
MENU_ANSWER_AFTER = timedelta(days=1)
FILE_ANSWER_AFTER = timedelta(days=3)
UPDATE_AFTER = FILE_ANSWER_AFTER + timedelta(hours=1)
STATUS_FILE = "statuses.csv"
OWNERS = ("Estates team", "Head of Workforce", "Digital services", "Health and wellbeing lead")
REPLIES = (
    "Agreed at the leadership meeting; the first wards start in March.",
    'We will trial this on two wards first, then, if it works, everywhere. "Quiet hours" '
    "start on Ward 7.",
    "Thank you. The budget for this year is spent, so we will look again in April.",
    "Done: the new rota template is on the intranet.",
)
WAIT_SECONDS = 60.0
# How often the run calls the stale-message job while it waits for the redrawn messages.
REDRAW_POLL_SECONDS = 0.5
HTTP_OK = 200
SECONDS_PER_DAY = 86_400

MENU_LABEL = "block_actions (status menu)"
FORM_LABEL = "view_submission (status form)"
YOUSAID_LABEL = "/campaign yousaid"
POST_LABEL = "block_actions (Post update)"
REPORT_LABEL = "/campaign report"

# Texts the bot writes, as handlers.blocks.statuses, .yousaid and .answers build them.
ANSWER_HEADING = "*Answer: {label}*"
NOTICE_FRAGMENT = " is now marked "
AUTHOR_NOTICE_START = "Your idea"
UPDATE_HEADER = "You said, we did"
UPDATE_COUNT = re.compile(r"has ([\d,]+) ideas? with a new answer")
GROUP_HEADING = re.compile(r"^\*(.+?)\* \(([\d,]+)\)$", re.MULTILINE)
POSTED_START = "Posted the"
CHART_FRAGMENT = "chart"
ALREADY_POSTED_FRAGMENT = "was posted already"
ANSWERS_LINE = re.compile(
    r"\*Answers:\* (\d+) of (\d+) ideas? answered \((\d+)%\), (\d+) done"
    r"(?: · median ([\d.]+) days? to a first answer)?"
)
# format_days shows the median to one decimal place.
MEDIAN_TOLERANCE = 0.051

# Sends one signed request with a label for the run's counts and returns the bot's response.
Exchange = Callable[[str, bytes, str], HttpResult]
# Runs jobs on separate threads at the same time and returns when all are done.
RunTogether = Callable[[list[Callable[[], None]]], None]


@dataclass(frozen=True)
class PlannedAnswer:
    """The answer the simulation gives one idea, and how: from the menu or from the file."""

    idea_id: int
    status: str
    reply: str | None
    owner: str | None
    from_menu: bool


class Notice(NamedTuple):
    """One direct message about an answer: who got it, the idea it quotes, and its kind."""

    recipient: str
    quote: str
    # "author" or "voter": the notice names the idea as theirs or as one they voted for.
    role: str
    label: str


@dataclass(frozen=True)
class CheckLine:
    """One line of the printed table of checks: what was checked, what was seen, and the verdict."""

    label: str
    detail: str
    ok: bool


def _quote(text: str) -> str:
    """Return the quoted idea line of a status notice, as handlers.blocks.statuses writes it."""
    return "> " + escape(excerpt(text, length=200))


def _section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        str((block.get("text") or {}).get("text", ""))
        for block in blocks
        if block.get("type") == "section"
    ]


def _menu_block_id(blocks: list[dict[str, Any]]) -> str:
    """Return the block_id of the block holding the status menu, as Slack reports it."""
    for block in blocks:
        for element in block.get("elements") or []:
            if element.get("action_id") == StatusIds.MENU_ACTION.value:
                return str(block.get("block_id", ""))
    raise SimulationFailed("an idea message after the close has no status menu")


class CampaignAnswers:
    """The run's answers after the close: given as a manager, posted as an update, and checked."""

    def __init__(
        self,
        *,
        bot: LocalBot,
        campaign: CampaignRecord,
        manager: str,
        manager_name: str,
        folder: Path,
        seed: int,
        platform: str | None = None,
    ) -> None:
        """platform, when given, limits the answers to the ideas posted from that platform."""
        assert bot.process is not None
        self.bot = bot
        self._platform = platform
        self.campaign = campaign
        self.manager = manager
        self._manager_name = manager_name
        self._folder = folder
        self._random = random.Random(seed)
        self._engine = sa.create_engine(bot.process.settings.database_url)
        self._database_url = bot.process.settings.database_url
        self._sequence = itertools.count(1)
        self._posts_before = 0
        self.planned: list[PlannedAnswer] = []
        # The answers the bot accepted, by idea id, and the clock time each was given at.
        self.answered: dict[int, PlannedAnswer] = {}
        self.answered_at: dict[int, datetime] = {}
        self.lines: list[CheckLine] = []
        self.problems: list[str] = []
        self.stats_line = ""

    # Choosing and giving the answers

    def plan(self) -> list[PlannedAnswer]:
        """Choose the ideas to answer, the statuses in turn, and an owner or reply for some."""
        query = sa.text(
            "SELECT id, message_id, platform FROM ideas WHERE campaign_id = :campaign "
            "AND hidden_at IS NULL AND withdrawn_at IS NULL ORDER BY id"
        )
        with self._engine.connect() as connection:
            rows = [
                (row[0], row[1])
                for row in connection.execute(query, self._campaign())
                if self._platform in (None, row[2])
            ]
        chosen = self._random.sample(rows, min(ANSWER_TARGET, len(rows)))
        # Posted ideas first, so that the menu answers have a message to be given on.
        chosen.sort(key=lambda row: row[1] is None)
        statuses = list(STATUS_LABELS)
        self.planned = [
            PlannedAnswer(
                idea_id=idea_id,
                status=statuses[number % len(statuses)],
                reply=REPLIES[number % len(REPLIES)] if number % 2 == 0 else None,
                owner=OWNERS[number % len(OWNERS)] if number % 3 == 0 else None,
                from_menu=number < MENU_ANSWERS and message_id is not None,
            )
            for number, (idea_id, message_id) in enumerate(chosen)
        ]
        return self.planned

    def answer_from_menu(self, exchange: Exchange, *, clock: ManualClock) -> None:
        """Give the menu answers: choose the status on the idea message, then submit the modal."""
        clock.set(self.campaign.ends_at + MENU_ANSWER_AFTER)
        self._posts_before = len(self.bot.standin.calls("chat.postMessage"))
        for answer in self.planned:
            if answer.from_menu and self._answer_from_menu(answer, exchange):
                self.answered[answer.idea_id] = answer
                self.answered_at[answer.idea_id] = clock.now()

    def _idea_message(self, idea_id: int) -> dict[str, Any]:
        query = sa.text("SELECT message_id FROM ideas WHERE id = :idea")
        with self._engine.connect() as connection:
            ts = connection.execute(query, {"idea": idea_id}).scalar()
        for message in self.bot.standin.messages(self.campaign.channel_id):
            if message["ts"] == ts:
                return message
        raise SimulationFailed(f"the message of idea {idea_id} is not in the channel")

    def _answer_from_menu(self, answer: PlannedAnswer, exchange: Exchange) -> bool:
        message = self._idea_message(answer.idea_id)
        blocks = list(message.get("blocks") or [])
        number = next(self._sequence)
        trigger_id = f"{int(time.time())}.statusmenu{number}.simulated"
        body, content_type = payloads.block_actions(
            user_id=self.manager,
            user_name=self._manager_name,
            channel_id=self.campaign.channel_id,
            message_ts=str(message["ts"]),
            action_id=StatusIds.MENU_ACTION.value,
            value="",
            block_id=_menu_block_id(blocks),
            response_url=self.bot.standin.response_url(f"status-menu-{number}"),
            trigger_id=trigger_id,
            message_text=str(message.get("text", "")),
            message_blocks=blocks,
            selected_option={
                "text": {"type": "plain_text", "text": STATUS_LABELS[answer.status]},
                "value": f"{answer.idea_id}:{answer.status}",
            },
            action_type="overflow",
        )
        if exchange(MENU_LABEL, body, content_type).status != HTTP_OK:
            return False

        view = self._opened_view(trigger_id)
        values: dict[str, Any] = {
            StatusIds.STATUS_BLOCK.value: {
                StatusIds.STATUS_ACTION.value: {
                    "type": "static_select",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": STATUS_LABELS[answer.status]},
                        "value": answer.status,
                    },
                }
            },
            StatusIds.REPLY_BLOCK.value: {
                StatusIds.REPLY_ACTION.value: {"type": "plain_text_input", "value": answer.reply}
            },
            StatusIds.OWNER_BLOCK.value: {
                StatusIds.OWNER_ACTION.value: {"type": "plain_text_input", "value": answer.owner}
            },
        }
        body, content_type = payloads.view_submission(
            user_id=self.manager,
            user_name=self._manager_name,
            callback_id=str(view["callback_id"]),
            values=values,
            private_metadata=str(view.get("private_metadata", "")),
            view_id=f"VS{number:08d}",
        )
        result = exchange(FORM_LABEL, body, content_type)

        if result.status != HTTP_OK:
            return False
        if result.body.strip():
            # The bot acknowledges a saved answer with an empty body, and invalid input
            # with the form's errors.
            self.problems.append(f"the status form of idea {answer.idea_id} got {result.body!r}")
            return False
        return True

    def _opened_view(self, trigger_id: str) -> dict[str, Any]:
        """Wait for the modal the bot opens with trigger_id, and return the view it sent."""
        found: list[dict[str, Any]] = []

        def opened() -> bool:
            for call in self.bot.standin.calls("views.open"):
                if call.params.get("trigger_id") == trigger_id and call.error is None:
                    view = call.params.get("view")
                    if isinstance(view, dict):
                        found[:] = [view]
                        return True
            return False

        wait_until(
            opened,
            timeout=WAIT_SECONDS,
            describe=lambda: "the bot did not open the status form after a choice from the menu",
        )
        return found[0]

    def answer_from_file(self, *, clock: ManualClock) -> None:
        """Write the leadership meeting's answers to a CSV file and apply it as the CLI does."""
        clock.set(self.campaign.ends_at + FILE_ANSWER_AFTER)
        in_file = [answer for answer in self.planned if not answer.from_menu]
        if not in_file:
            return
        path = self._folder / STATUS_FILE
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(("id", "status", "reply", "owner"))
            for number, answer in enumerate(in_file):
                # The command accepts a status's name or its label; the file uses both.
                status = answer.status if number % 2 else STATUS_LABELS[answer.status]
                writer.writerow((answer.idea_id, status, answer.reply or "", answer.owner or ""))
        # The command runs apart from the bot, with its own connection to the database.
        db = Database(self._database_url)
        try:
            result = set_statuses_from_file(
                db, path, now=clock.now(), notifier=OfflineStatusNotifier()
            )
        finally:
            db.dispose()
        if result.rejected or result.changed != len(in_file):
            reasons = "; ".join(f"line {line.line}: {line.reason}" for line in result.rejected)
            self.problems.append(
                f"{STATUS_FILE} changed {result.changed} of {len(in_file)} ideas: {reasons}"
            )
            return
        for answer in in_file:
            self.answered[answer.idea_id] = answer
            self.answered_at[answer.idea_id] = clock.now()
        print(
            f"  applied {STATUS_FILE}: {result.changed} ideas answered, "
            f"{result.notified} direct messages queued"
        )

    # Checking the answers

    def check_messages(self) -> None:
        """Run the stale-message job until every answered idea's message shows its answer.

        The file's answers only mark their messages for a redraw by that job, which runs
        every minute of wall-clock time. The ManualClock does not move the wall clock, so
        the run calls the job itself rather than wait for its next turn.
        """
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            jobs.refresh_stale_idea_messages()
            missing = self._ideas_not_showing_answer()
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(REDRAW_POLL_SECONDS)
        posted = sum(1 for idea_id in self.answered if idea_id in self._posted_ids())
        self._add_line(
            "idea messages showing their answer",
            f"{posted - len(missing)} of {posted}",
            not missing,
            problem=f"the messages of ideas {missing} do not show their answer",
        )

    def _posted_ids(self) -> set[int]:
        query = sa.text(
            "SELECT id FROM ideas WHERE campaign_id = :campaign AND message_id IS NOT NULL"
        )
        with self._engine.connect() as connection:
            return {row[0] for row in connection.execute(query, self._campaign())}

    def _ideas_not_showing_answer(self) -> list[int]:
        query = sa.text("SELECT id, message_id FROM ideas WHERE campaign_id = :campaign")
        with self._engine.connect() as connection:
            message_ids = {row[0]: row[1] for row in connection.execute(query, self._campaign())}
        messages = {
            message["ts"]: message
            for message in self.bot.standin.messages(self.campaign.channel_id)
        }
        missing = []
        for idea_id, answer in sorted(self.answered.items()):
            ts = message_ids.get(idea_id)
            if ts is None:
                continue
            texts = _section_texts(list((messages.get(ts) or {}).get("blocks") or []))
            heading = ANSWER_HEADING.format(label=escape(status_label(answer.status)))
            answer_texts = [text for text in texts if text.startswith(heading)]
            owner_shown = answer.owner is None or any(
                f"Owner: {escape(answer.owner)}" in text for text in answer_texts
            )
            if not answer_texts or not owner_shown:
                missing.append(idea_id)
        return missing

    def expected_notices(self) -> Counter[Notice]:
        """Return the notices the database says should go: one per author and voter per change.

        A change notifies when it sets a new status, or a new reply to the same status.
        The author of an anonymous idea is not stored, and the person who made the change
        gets a confirmation instead.
        """
        changes = sa.text(
            "SELECT c.idea_id, c.status, c.reply, c.changed_by, i.anonymous, i.author_id, i.text "
            "FROM idea_status_changes c JOIN ideas i ON i.id = c.idea_id "
            "WHERE i.campaign_id = :campaign ORDER BY c.id"
        )
        voters = sa.text(
            "SELECT v.idea_id, v.user_id FROM votes v JOIN ideas i ON i.id = v.idea_id "
            "WHERE i.campaign_id = :campaign"
        )
        with self._engine.connect() as connection:
            change_rows = list(connection.execute(changes, self._campaign()))
            voters_of: dict[int, set[str]] = {}
            for idea_id, user_id in connection.execute(voters, self._campaign()):
                voters_of.setdefault(idea_id, set()).add(user_id)
        expected: Counter[Notice] = Counter()
        previous: dict[int, tuple[str | None, str | None]] = {}
        for idea_id, status, reply, changed_by, anonymous, author_id, text in change_rows:
            before_status, before_reply = previous.get(idea_id, (None, None))
            previous[idea_id] = (status, reply)
            if status == before_status and (reply is None or reply == before_reply):
                continue
            author = None if anonymous else author_id
            label = status_label(status)
            for user_id in voters_of.get(idea_id, set()) | ({author} if author else set()):
                if user_id == changed_by:
                    continue
                role = "author" if user_id == author else "voter"
                expected[Notice(user_id, _quote(text), role, label)] += 1
        return expected

    def received_notices(self) -> Counter[Notice]:
        """Return the status notices the stand-in received since the answers began."""
        received: Counter[Notice] = Counter()
        for call in self.bot.standin.calls("chat.postMessage")[self._posts_before :]:
            text = str(call.params.get("text", ""))
            if call.error is not None or NOTICE_FRAGMENT not in text:
                continue
            label = text.split(NOTICE_FRAGMENT, 1)[1].rstrip(".")
            role = "author" if text.startswith(AUTHOR_NOTICE_START) else "voter"
            for section in _section_texts(list(call.params.get("blocks") or [])):
                for line in section.split("\n"):
                    if line.startswith("> "):
                        received[Notice(str(call.params.get("channel")), line, role, label)] += 1
        return received

    def check_notices(self) -> None:
        """Wait for the status notices in the outbox to go, then compare them with the database."""
        wait_until(
            lambda: self._unsent("idea-status:%") == 0,
            timeout=WAIT_SECONDS,
            describe=lambda: f"{self._unsent('idea-status:%')} status notices are still unsent",
        )
        expected = self.expected_notices()
        received = self.received_notices()
        missing = expected - received
        extra = received - expected
        recipients = {notice.recipient for notice in expected}
        detail = (
            f"{sum(received.values())} received, {sum(expected.values())} expected "
            f"for {len(recipients)} people"
        )
        problems = [
            f"{notice.recipient} got {received[notice]} of {count} notices of {notice.label} "
            f"as {notice.role} for {notice.quote!r}"
            for notice, count in sorted(missing.items())
        ] + [
            f"{notice.recipient} got {received[notice]} notices of {notice.label} as "
            f"{notice.role} for {notice.quote!r}, expected {expected[notice]}"
            for notice in sorted(extra)
        ]
        self._add_line(
            "status notices, once per author and voter",
            detail,
            not problems,
            problem="; ".join(problems[:5])
            + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""),
        )

    def _unsent(self, key_pattern: str) -> int:
        query = sa.text(
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE :pattern "
            "AND sent_at IS NULL AND failed_at IS NULL"
        )
        with self._engine.connect() as connection:
            return int(connection.execute(query, {"pattern": key_pattern}).scalar() or 0)

    # "You said, we did"

    def post_update(
        self, exchange: Exchange, *, clock: ManualClock, run_together: RunTogether
    ) -> None:
        """Preview the update with `/campaign yousaid ID`, press Post twice at once, and check."""
        clock.set(self.campaign.ends_at + UPDATE_AFTER)
        body, content_type = self._command(f"yousaid {self.campaign.id}", token="yousaid")
        preview = exchange(YOUSAID_LABEL, body, content_type)
        button = _post_button(preview)
        if button is None:
            self._add_line(
                '"You said, we did" update',
                "no preview",
                False,
                problem="/campaign yousaid got no preview with a Post button: "
                f"{preview.body[:200]!r}",
            )
            return
        tokens = ["yousaid-post-1", "yousaid-post-2"]

        def press(token: str) -> None:
            body, content_type = payloads.block_actions(
                user_id=self.manager,
                user_name=self._manager_name,
                channel_id=self.campaign.channel_id,
                message_ts=f"{time.time():.6f}",
                action_id=YouSaidIds.POST_ACTION.value,
                value=str(button["value"]),
                block_id=YouSaidIds.PREVIEW_BLOCK.value,
                response_url=self.bot.standin.response_url(token),
                trigger_id=f"{int(time.time())}.{token}.simulated",
                is_ephemeral=True,
            )
            exchange(POST_LABEL, body, content_type)

        run_together([partial(press, token) for token in tokens])
        wait_until(
            lambda: all(self.bot.standin.responses(token) for token in tokens),
            timeout=WAIT_SECONDS,
            describe=lambda: "a press of Post got no reply",
        )
        replies = [
            str(call.params.get("text", ""))
            for token in tokens
            for call in self.bot.standin.responses(token)
        ]
        posted = sum(reply.startswith(POSTED_START) for reply in replies)
        already = sum(ALREADY_POSTED_FRAGMENT in reply for reply in replies)
        wait_until(
            lambda: self._update_messages() != [] and self._unsent("yousaid:%") == 0,
            timeout=WAIT_SECONDS,
            describe=lambda: 'the "You said, we did" update did not appear in the channel',
        )
        updates = self._update_messages()
        listed = _update_count(updates[0]) if updates else None
        groups = _update_groups(updates[0]) if updates else {}
        sent_groups = {
            STATUS_LABELS[status]: count
            for status, count in Counter(a.status for a in self.answered.values()).items()
        }
        problems = []
        if posted != 1 or already != 1:
            problems.append(
                f"two presses of Post got {posted} 'posted' and {already} 'already posted' "
                "replies, expected one each"
            )
        if len(updates) != 1:
            problems.append(f"the update appeared {len(updates)} times in the channel")
        if listed != len(self.answered):
            problems.append(f"the update lists {listed} ideas, {len(self.answered)} were answered")
        if groups != sent_groups:
            problems.append(f"the update's statuses {groups} differ from those sent {sent_groups}")
        self._add_line(
            '"You said, we did" update in the channel',
            f"{len(updates)} posted for 2 presses, listing {listed} ideas",
            not problems,
            problem="; ".join(problems),
        )

    def _update_messages(self) -> list[dict[str, Any]]:
        found = []
        for message in self.bot.standin.messages(self.campaign.channel_id):
            blocks = message.get("blocks") or []
            if blocks and blocks[0].get("type") == "header":
                if blocks[0]["text"]["text"] == UPDATE_HEADER:
                    found.append(message)
        return found

    # The report's answer statistics

    def check_report(self, exchange: Exchange, *, idea_count: int) -> None:
        """Ask for `/campaign report ID` and compare its answer statistics with what was sent."""
        token = "report-answers"
        body, content_type = self._command(f"report {self.campaign.id}", token=token)
        exchange(REPORT_LABEL, body, content_type)
        line: list[str] = []

        def answers_line() -> bool:
            for call in self.bot.standin.responses(token):
                for text in _section_texts(list(call.params.get("blocks") or [])):
                    if text.startswith("*Answers:*"):
                        line[:] = [text]
                        return True
            return False

        wait_until(
            answers_line,
            timeout=WAIT_SECONDS,
            describe=lambda: "the reply to /campaign report has no answer statistics",
        )
        # The command's last reply says where its chart went, so the listener has finished.
        wait_until(
            lambda: any(
                CHART_FRAGMENT in str(call.params.get("text", ""))
                for call in self.bot.standin.responses(token)
            ),
            timeout=WAIT_SECONDS,
            describe=lambda: "/campaign report sent no reply about its chart",
        )
        self.stats_line = line[0].replace("*", "")
        expected = self.expected_stats(idea_count=idea_count)
        match = ANSWERS_LINE.search(line[0])
        problems = []
        if match is None:
            problems.append(f"the report's answers line cannot be read: {line[0]!r}")
        else:
            answered, ideas, share, done, median = match.groups()
            shown = {
                "answered": int(answered),
                "ideas": int(ideas),
                "share": int(share),
                "done": int(done),
            }
            for name, value in shown.items():
                if value != expected[name]:
                    problems.append(f"the report shows {name} {value}, expected {expected[name]}")
            expected_median = expected["median"]
            if (median is None) != (expected_median is None) or (
                median is not None
                and expected_median is not None
                and abs(float(median) - expected_median) > MEDIAN_TOLERANCE
            ):
                problems.append(
                    f"the report shows a median of {median} days, expected {expected_median}"
                )
        self._add_line(
            "answer statistics in /campaign report",
            f"{len(self.answered)} answered, "
            f"{sum(a.status == 'done' for a in self.answered.values())} done",
            not problems,
            problem="; ".join(problems),
        )

    def expected_stats(self, *, idea_count: int) -> dict[str, Any]:
        """Return the answer statistics that follow from the answers sent and the ideas' times."""
        query = sa.text("SELECT id, created_at FROM ideas WHERE campaign_id = :campaign")
        with self._engine.connect() as connection:
            rows = connection.execute(query, self._campaign())
            created = {row[0]: _as_utc(row[1]) for row in rows}
        waits = [
            max((moment - created[idea_id]).total_seconds(), 0.0) / SECONDS_PER_DAY
            for idea_id, moment in self.answered_at.items()
        ]
        answered = len(self.answered)
        return {
            "answered": answered,
            "ideas": idea_count,
            "share": round(100 * answered / idea_count) if idea_count else 0,
            "done": sum(answer.status == "done" for answer in self.answered.values()),
            "median": round(statistics.median(waits), 1) if waits else None,
        }

    # Helpers

    def _command(self, text: str, *, token: str) -> tuple[bytes, str]:
        return payloads.slash_command(
            command="/campaign",
            text=text,
            user_id=self.manager,
            user_name=self._manager_name,
            channel_id=self.campaign.channel_id,
            response_url=self.bot.standin.response_url(token),
            trigger_id=f"{int(time.time())}.{token}.simulated",
        )

    def _campaign(self) -> dict[str, int]:
        return {"campaign": self.campaign.id}

    def _add_line(self, label: str, detail: str, ok: bool, *, problem: str) -> None:
        self.lines.append(CheckLine(label=label, detail=detail, ok=ok))
        if not ok:
            self.problems.append(problem)

    def dispose(self) -> None:
        """Close the engine's connections."""
        self._engine.dispose()


def _as_utc(value: Any) -> datetime:
    """Return a created_at read with plain SQL as an aware UTC datetime, on either database."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _post_button(preview: HttpResult) -> dict[str, Any] | None:
    """Return the Post button of the preview in a /campaign yousaid response, if it has one."""
    try:
        reply = json.loads(preview.body)
    except json.JSONDecodeError:
        return None
    for block in reply.get("blocks") or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == YouSaidIds.POST_ACTION.value:
                return dict(element)
    return None


def _update_count(message: dict[str, Any]) -> int | None:
    match = UPDATE_COUNT.search(str(message.get("text", "")))
    return int(match.group(1).replace(",", "")) if match else None


def _update_groups(message: dict[str, Any]) -> dict[str, int]:
    """Return the ideas per status label that the update's headings show."""
    groups: dict[str, int] = {}
    for text in _section_texts(list(message.get("blocks") or [])):
        for label, count in GROUP_HEADING.findall(text):
            groups[label] = int(count.replace(",", ""))
    return groups
