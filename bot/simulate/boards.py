"""Team "Your Shout" boards that run beside the simulated campaign, and their checks.

Three team leads each start a board in their team's channel with `/yourshout start`
(the third channel is private). Every simulated day some team members post `/idea TEXT`
in their channel, vote with :+1: or the Vote button and reply in threads; the leads
answer ideas with the status menu, one lead closes the board and reopens it,
and one lead leaves the organisation and a manager names a new one. The run then checks
that each board's ideas, votes and comments in the database equal what was sent, that
each answer reached its author and voters once, that a vote on the closed board was
refused, that the managers were told once about the departed lead, and that every lead
got one weekly digest for each Monday 09:00 local time they led an open board.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from functools import partial
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bot.core import roles
from bot.simulate import payloads
from bot.simulate.common import (
    IdeaMessage,
    MessageTimestamps,
    SimulationFailed,
    parse_idea_message,
    wait_until,
)
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import BOT_USER_ID
from handlers.ids import IdeaIds, StatusIds
from handlers.mrkdwn import escape


@dataclass(frozen=True)
class Team:
    """A team channel and the question its lead asks there."""

    channel_id: str
    question: str


TEAMS = (
    Team("C0TEAMWARD7", "What would make handovers on Ward 7 easier?"),
    Team("C0TEAMTHERAPY", "What slows down our therapy referrals, and how could we fix it?"),
    # A private channel: Slack's stand-in reports conversations starting with G as private.
    Team("G0TEAMESTATES", "What would make the estates help desk work better for you?"),
)
IDEA_TEXTS = (
    "Use a shared checklist for the night-to-day handover",
    "Put the referral form on the intranet front page",
    "Book the quiet room for handovers after 17:00",
    "Send a weekly list of referrals still waiting for triage",
    "Label the spare equipment cupboard by bay",
    "Add a direct phone line for urgent estates jobs",
    "Give bank staff a login on their first shift",
    "Keep a spare set of ward keys at the nurses' station",
    "Agree one email address for all referral questions",
    "Stock the drinks fridge for staff on long shifts",
)
REPLY_TEXTS = (
    "Good point, I will raise it at the team meeting.",
    "Agreed, I am writing this up as a proposal.",
    "Thanks, that makes sense to try.",
)
# The largest team. Runs with fewer staff share them out evenly over the three teams.
MAX_TEAM_SIZE = 12
# Chances, per team and day, of a new idea; per member and day, of a vote; per idea and
# day, of a reply.
IDEA_CHANCE = 0.6
VOTE_CHANCE = 0.25
REPLY_CHANCE = 0.2
# Days on which each lead answers up to ANSWERS_PER_DAY ideas still without an answer.
ANSWER_DAYS = (5, 10, 15, 19)
ANSWERS_PER_DAY = 2
# On this day the second team's board closes, a member's vote on it is rejected, and it reopens.
CLOSE_DAY = 12
# The first team's lead leaves the organisation on this day and a manager names a new lead.
DEPARTURE_DAY = 8
DIGEST_WEEKDAY = 0
DIGEST_TIME = clock_time(9, 0)
WAIT_SECONDS = 60.0
# Text fragments that identify the bot's messages among those the stand-in received.
DIGEST_FRAGMENT = "Your Shout weekly digest"
STATUS_FRAGMENT = "is now marked"
DEPARTED_FRAGMENT = "needs a new lead"

START_LABEL = "/yourshout start"
IDEA_LABEL = "/idea on a board"
VOTE_LABEL = "board vote (reaction or button)"
REPLY_LABEL = "board thread reply"
ANSWER_LABEL = "board answer (status menu and form)"
CLOSE_LABEL = "/yourshout close and reopen"
LEAD_LABEL = "/yourshout lead and user_change"

# Sends one signed request under a label; returns whether it got HTTP 200.
Send = Callable[[str, bytes, str], bool]


@dataclass
class BoardState:
    """The requests sent to one board, from which its expected database rows and messages follow."""

    team: Team
    members: list[str]
    lead: str
    board_id: int | None = None
    # Each idea's message, author and voters, by idea id.
    ideas: dict[int, IdeaMessage] = field(default_factory=dict)
    authors: dict[int, str] = field(default_factory=dict)
    voters: dict[int, set[str]] = field(default_factory=dict)
    comments: int = 0
    answered: set[int] = field(default_factory=set)
    # The lead at each moment a lead changed, to work out who got each digest.
    lead_changes: list[tuple[datetime, str]] = field(default_factory=list)
    closed: bool = False


class TeamBoards:
    """Drives the team boards through the simulated days and checks what the bot did."""

    def __init__(
        self,
        *,
        bot: LocalBot,
        staff: list[str],
        managers: list[str],
        usernames: dict[str, str],
        timezone: ZoneInfo,
        seed: int,
    ) -> None:
        self.bot = bot
        self.timezone = timezone
        self.managers = managers
        self._usernames = usernames
        self._random = random.Random(seed * 31 + 7)
        self._sequence = itertools.count(1)
        self._timestamps = MessageTimestamps()
        self._lock = threading.Lock()
        self._idea_texts = itertools.cycle(IDEA_TEXTS)
        self._idea_number = itertools.count(1)
        self.problems: list[str] = []
        self.expected_status_messages: Counter[str] = Counter()
        self.refused_votes = 0
        self.departed: str | None = None
        self.started_at: datetime | None = None
        size = max(2, min(MAX_TEAM_SIZE, len(staff) // len(TEAMS)))
        self.boards = [
            BoardState(
                team=team,
                members=staff[index * size : (index + 1) * size],
                lead=staff[index * size],
            )
            for index, team in enumerate(TEAMS)
        ]
        # Everyone who was ever on a team, the departed lead included, for the checks.
        self.people = {member for board in self.boards for member in board.members}

    # Requests

    def _command(self, user_id: str, channel_id: str, command: str, text: str) -> tuple[bytes, str]:
        number = next(self._sequence)
        return payloads.slash_command(
            command=command,
            text=text,
            user_id=user_id,
            user_name=self._usernames.get(user_id, user_id.lower()),
            channel_id=channel_id,
            response_url=self.bot.standin.response_url(f"board-{number}"),
            trigger_id=f"{int(time.time())}.board{number}.simulated",
        )

    def _event_id(self) -> str:
        return f"EvBoard{int(time.time())}{next(self._sequence):07d}"

    # Setup

    def start(self, send: Send, *, now: datetime) -> None:
        """Grant each lead the team lead role, then have them start their boards."""
        assert self.bot.process is not None
        db = self.bot.process.db
        self.started_at = now
        for board in self.boards:
            roles.grant_role(
                db, platform="slack", user_id=board.lead, role=roles.LEAD, granted_by="cli", now=now
            )
            self.bot.standin.set_channel_members(board.team.channel_id, board.members)
            body, content_type = self._command(
                board.lead, board.team.channel_id, "/yourshout", f"start {board.team.question}"
            )
            if not send(START_LABEL, body, content_type):
                raise SimulationFailed("/yourshout start got an HTTP status other than 200")
            board.lead_changes.append((now, board.lead))
        for board in self.boards:
            channel = board.team.channel_id
            wait_until(
                partial(self._has_pin, channel),
                timeout=WAIT_SECONDS,
                describe=partial(str, f"no board question was pinned in {channel}"),
            )
            board.board_id = self._board_id(channel)

    def _has_pin(self, channel_id: str) -> bool:
        return bool(self.bot.standin.pinned(channel_id))

    def _board_id(self, channel_id: str) -> int:
        assert self.bot.process is not None
        query = sa.text("SELECT id FROM boards WHERE channel_id = :channel AND status = 'open'")
        with self.bot.process.db.engine.connect() as connection:
            board_id = connection.execute(query, {"channel": channel_id}).scalar()
        if board_id is None:
            raise SimulationFailed(f"the board in {channel_id} is not in the database")
        return int(board_id)

    # A day

    def run_day(self, day: int, send: Send, *, now: datetime) -> None:
        """Send one day's board traffic and lead actions, and wait for the bot to store it."""
        for board in self.boards:
            if day == DEPARTURE_DAY and board is self.boards[0]:
                self._replace_departed_lead(board, send, now=now)
            self._post_ideas(board, send)
        for board in self.boards:
            self._vote_and_reply(board, send)
        # The bot stores a vote after acknowledging it, so the run waits for the votes sent
        # so far. An answer messages only the voters stored by then, and a close would
        # reject the votes still in flight.
        self.wait_for_database()
        if day in ANSWER_DAYS:
            for board in self.boards:
                self._answer(board, send)
        if day == CLOSE_DAY:
            self._close_for_a_vote(self.boards[1], send)
            self.wait_for_database()

    def _post_ideas(self, board: BoardState, send: Send) -> None:
        if self._random.random() >= IDEA_CHANCE:
            return
        author = self._random.choice(board.members)
        text = f"{next(self._idea_texts)} (board idea {next(self._idea_number)})"
        body, content_type = self._command(author, board.team.channel_id, "/idea", text)
        if not send(IDEA_LABEL, body, content_type):
            return
        message = self._find_idea_message(board.team.channel_id, text)
        board.ideas[message.idea_id] = message
        board.authors[message.idea_id] = author
        board.voters[message.idea_id] = set()

    def _find_idea_message(self, channel_id: str, text: str) -> IdeaMessage:
        found: list[IdeaMessage] = []

        def posted() -> bool:
            for message in self.bot.standin.messages(channel_id):
                parsed = parse_idea_message(message)
                if parsed is not None and parsed[0] == escape(text):
                    found.append(parsed[1])
                    return True
            return False

        wait_until(
            posted,
            timeout=WAIT_SECONDS,
            describe=lambda: f"a board idea was not posted in {channel_id}",
        )
        message = found[0]
        # Reactions and replies count only once the bot has stored the message's ts.
        wait_until(
            lambda: self._stored_message(message.idea_id) == message.ts,
            timeout=WAIT_SECONDS,
            describe=lambda: f"the bot did not store the message of idea {message.idea_id}",
        )
        return message

    def _stored_message(self, idea_id: int) -> str | None:
        assert self.bot.process is not None
        query = sa.text("SELECT message_id FROM ideas WHERE id = :idea")
        with self.bot.process.db.engine.connect() as connection:
            value = connection.execute(query, {"idea": idea_id}).scalar()
        return str(value) if value is not None else None

    def _vote_and_reply(self, board: BoardState, send: Send) -> None:
        if not board.ideas:
            return
        for member in board.members:
            if self._random.random() >= VOTE_CHANCE:
                continue
            candidates = [idea for idea, voters in board.voters.items() if member not in voters]
            if not candidates:
                continue
            idea_id = self._random.choice(candidates)
            if self._vote(board, member, idea_id, send, by_button=self._random.random() < 0.5):
                board.voters[idea_id].add(member)
        for message in board.ideas.values():
            if self._random.random() >= REPLY_CHANCE:
                continue
            member = self._random.choice(board.members)
            event = payloads.thread_reply_event(
                user=member,
                text="I agree, and it would help the new starters too.",
                channel=board.team.channel_id,
                ts=self._timestamps.next(),
                thread_ts=message.ts,
                parent_user_id=BOT_USER_ID,
            )
            body, content_type = payloads.event_callback(
                event, event_id=self._event_id(), event_time=int(time.time())
            )
            if send(REPLY_LABEL, body, content_type):
                board.comments += 1

    def _vote(
        self, board: BoardState, member: str, idea_id: int, send: Send, *, by_button: bool
    ) -> bool:
        message = board.ideas[idea_id]
        if by_button:
            body, content_type = payloads.block_actions(
                user_id=member,
                user_name=self._usernames.get(member, member.lower()),
                channel_id=board.team.channel_id,
                message_ts=message.ts,
                action_id=IdeaIds.VOTE_ACTION.value,
                value=str(idea_id),
                block_id=f"vote-{idea_id}",
                response_url=self.bot.standin.response_url(f"board-vote-{next(self._sequence)}"),
                trigger_id=f"{int(time.time())}.boardvote{next(self._sequence)}.simulated",
                message_blocks=message.blocks,
            )
        else:
            event = payloads.reaction_event(
                "reaction_added",
                user=member,
                reaction="+1",
                channel=board.team.channel_id,
                ts=message.ts,
                item_user=BOT_USER_ID,
                event_ts=self._timestamps.next(),
            )
            body, content_type = payloads.event_callback(
                event, event_id=self._event_id(), event_time=int(time.time())
            )
        return send(VOTE_LABEL, body, content_type)

    def _answer(self, board: BoardState, send: Send) -> None:
        """Have the lead answer the oldest ideas still without an answer."""
        waiting = [idea_id for idea_id in sorted(board.ideas) if idea_id not in board.answered]
        for idea_id in waiting[:ANSWERS_PER_DAY]:
            status = self._random.choice(("under_consideration", "planned", "done"))
            reply = self._random.choice(REPLY_TEXTS)
            if not self._send_answer(board, idea_id, status, reply, send):
                continue
            board.answered.add(idea_id)
            # The lead who answers sees a private confirmation instead of a message.
            recipients = {board.authors[idea_id], *board.voters[idea_id]} - {board.lead}
            for user_id in recipients:
                self.expected_status_messages[user_id] += 1

    def _send_answer(
        self, board: BoardState, idea_id: int, status: str, reply: str, send: Send
    ) -> bool:
        """Choose a status from the idea message's menu, then submit the answer form."""
        message = board.ideas[idea_id]
        number = next(self._sequence)
        body, content_type = payloads.block_actions(
            user_id=board.lead,
            user_name=self._usernames.get(board.lead, board.lead.lower()),
            channel_id=board.team.channel_id,
            message_ts=message.ts,
            action_id=StatusIds.MENU_ACTION.value,
            value="",
            block_id=f"status-{idea_id}",
            response_url=self.bot.standin.response_url(f"board-answer-{number}"),
            trigger_id=f"{int(time.time())}.boardanswer{number}.simulated",
            message_blocks=message.blocks,
            selected_option={
                "text": {"type": "plain_text", "text": status},
                "value": f"{idea_id}:{status}",
            },
        )
        if not send(ANSWER_LABEL, body, content_type):
            return False
        values = {
            StatusIds.STATUS_BLOCK.value: {
                StatusIds.STATUS_ACTION.value: {
                    "type": "static_select",
                    "selected_option": {
                        "text": {"type": "plain_text", "text": status},
                        "value": status,
                    },
                }
            },
            StatusIds.REPLY_BLOCK.value: {
                StatusIds.REPLY_ACTION.value: {"type": "plain_text_input", "value": reply}
            },
        }
        body, content_type = payloads.view_submission(
            user_id=board.lead,
            user_name=self._usernames.get(board.lead, board.lead.lower()),
            callback_id=StatusIds.MODAL_CALLBACK.value,
            values=values,
            private_metadata=str(idea_id),
            view_id=f"VB{number:08d}",
        )
        return send(ANSWER_LABEL, body, content_type)

    def _close_for_a_vote(self, board: BoardState, send: Send) -> None:
        """Close a board, have a member vote on it (refused), then reopen it."""
        body, content_type = self._command(board.lead, board.team.channel_id, "/yourshout", "close")
        if not send(CLOSE_LABEL, body, content_type):
            return
        board.closed = True
        wait_until(
            lambda: self._board_status(board) == "closed",
            timeout=WAIT_SECONDS,
            describe=lambda: f"the board in {board.team.channel_id} did not close",
        )
        if board.ideas:
            idea_id = min(board.ideas)
            voter = next(
                (member for member in board.members if member not in board.voters[idea_id]), None
            )
            if voter is not None and self._vote(board, voter, idea_id, send, by_button=True):
                self.refused_votes += 1
                # The bot handles the press after acknowledging it, so the reopen waits until
                # the vote has been rejected; a reopen first would let it count.
                wait_until(
                    lambda: self._refused_votes() >= self.refused_votes,
                    timeout=WAIT_SECONDS,
                    describe=lambda: "the vote on the closed board was not rejected",
                )
        body, content_type = self._command(
            board.lead, board.team.channel_id, "/yourshout", "reopen"
        )
        send(CLOSE_LABEL, body, content_type)
        board.closed = False
        wait_until(
            lambda: self._board_status(board) == "open",
            timeout=WAIT_SECONDS,
            describe=lambda: f"the board in {board.team.channel_id} did not reopen",
        )

    def _board_status(self, board: BoardState) -> str | None:
        assert self.bot.process is not None
        query = sa.text("SELECT status FROM boards WHERE id = :board")
        with self.bot.process.db.engine.connect() as connection:
            value = connection.execute(query, {"board": board.board_id}).scalar()
        return str(value) if value is not None else None

    def _replace_departed_lead(self, board: BoardState, send: Send, *, now: datetime) -> None:
        """Deactivate the lead's account (user_change), then have a manager name a new lead."""
        departed = board.lead
        event = {
            "type": "user_change",
            "user": {
                "id": departed,
                "team_id": payloads.TEAM_ID,
                "name": self._usernames.get(departed, departed.lower()),
                "deleted": True,
                "is_bot": False,
            },
            "cache_ts": int(time.time()),
            "event_ts": self._timestamps.next(),
        }
        body, content_type = payloads.event_callback(
            event, event_id=self._event_id(), event_time=int(time.time())
        )
        if not send(LEAD_LABEL, body, content_type):
            return
        self.departed = departed

        wait_until(
            lambda: all(self._count(manager, DEPARTED_FRAGMENT) >= 1 for manager in self.managers),
            timeout=WAIT_SECONDS,
            describe=lambda: "the managers were not told that a board's lead left",
        )

        successor = next(member for member in board.members if member != departed)
        if len(board.members) > 2:
            successor = board.members[1]
        mention = f"<@{successor}|{self._usernames.get(successor, successor.lower())}>"
        body, content_type = self._command(
            self.managers[0], board.team.channel_id, "/yourshout", f"lead {mention}"
        )
        if send(LEAD_LABEL, body, content_type):
            board.lead = successor
            board.lead_changes.append((now, successor))
        # A deactivated account posts and votes no more.
        board.members.remove(departed)

    # Waiting and checking

    def wait_for_database(self) -> None:
        """Wait until each board's ideas, votes and comments in the database equal those sent."""
        wait_until(
            lambda: not self._database_differences(),
            timeout=WAIT_SECONDS,
            describe=lambda: "; ".join(self._database_differences()),
        )

    def _database_differences(self) -> list[str]:
        assert self.bot.process is not None
        differences: list[str] = []
        queries = {
            "ideas": "SELECT COUNT(*) FROM ideas WHERE board_id = :board",
            "votes": "SELECT COUNT(*) FROM votes WHERE idea_id IN "
            "(SELECT id FROM ideas WHERE board_id = :board)",
            "comments": "SELECT COUNT(*) FROM comments WHERE deleted_at IS NULL AND idea_id IN "
            "(SELECT id FROM ideas WHERE board_id = :board)",
        }
        with self.bot.process.db.engine.connect() as connection:
            for board in self.boards:
                expected = {
                    "ideas": len(board.ideas),
                    "votes": sum(len(voters) for voters in board.voters.values()),
                    "comments": board.comments,
                }
                for name, sql in queries.items():
                    stored = connection.execute(sa.text(sql), {"board": board.board_id}).scalar()
                    if int(stored or 0) != expected[name]:
                        differences.append(
                            f"{board.team.channel_id} {name}: database {stored}, "
                            f"expected {expected[name]}"
                        )
        return differences

    def digest_times(self, now: datetime) -> list[datetime]:
        """Return the Monday 09:00 local times from the boards' start up to now."""
        assert self.started_at is not None
        times: list[datetime] = []
        day: date = self.started_at.astimezone(self.timezone).date()
        while True:
            local = datetime.combine(day, DIGEST_TIME, tzinfo=self.timezone)
            moment = local.astimezone(self.started_at.tzinfo)
            if moment > now:
                return times
            if day.weekday() == DIGEST_WEEKDAY and moment > self.started_at:
                times.append(moment)
            day += timedelta(days=1)

    def expected_digests(self, now: datetime) -> Counter[str]:
        """Return how many weekly digests each lead should have by now."""
        expected: Counter[str] = Counter()
        for moment in self.digest_times(now):
            for board in self.boards:
                lead = board.lead_changes[0][1]
                for changed_at, user_id in board.lead_changes:
                    if changed_at <= moment:
                        lead = user_id
                expected[lead] += 1
        return expected

    def wait_for_digests(self, now: datetime) -> None:
        """Wait until every weekly digest due by now has reached its lead."""
        expected = self.expected_digests(now)
        wait_until(
            lambda: all(self._count(user, DIGEST_FRAGMENT) >= n for user, n in expected.items()),
            timeout=WAIT_SECONDS,
            describe=lambda: (
                f"by {now.isoformat()} expected weekly digests {dict(expected)}; got "
                f"{ {user: self._count(user, DIGEST_FRAGMENT) for user in expected} }"
            ),
        )

    def _count(self, conversation: str, fragment: str) -> int:
        return sum(
            fragment in str(message.get("text", ""))
            for message in self.bot.standin.messages(conversation)
        )

    def check(self, *, now: datetime) -> None:
        """Wait for the answers' messages, then compare every count with what was expected."""
        expected_digests = self.expected_digests(now)
        wait_until(
            lambda: all(
                self._count(user, STATUS_FRAGMENT) >= count
                for user, count in self.expected_status_messages.items()
            ),
            timeout=WAIT_SECONDS,
            describe=lambda: (
                "authors and voters short of answer messages (user: got/expected): "
                + ", ".join(
                    f"{user}: {self._count(user, STATUS_FRAGMENT)}/{count}"
                    for user, count in sorted(self.expected_status_messages.items())
                    if self._count(user, STATUS_FRAGMENT) < count
                )
            ),
        )
        for user_id in sorted(self.people | set(self.managers)):
            got = self._count(user_id, STATUS_FRAGMENT)
            if got != self.expected_status_messages[user_id]:
                self.problems.append(
                    f"{user_id} got {got} answer messages, expected "
                    f"{self.expected_status_messages[user_id]}"
                )
            digests = self._count(user_id, DIGEST_FRAGMENT)
            if digests != expected_digests[user_id]:
                self.problems.append(
                    f"{user_id} got {digests} weekly digests, expected {expected_digests[user_id]}"
                )
        for manager in self.managers:
            told = self._count(manager, DEPARTED_FRAGMENT)
            if told != (1 if self.departed else 0):
                self.problems.append(f"manager {manager} was told {told} times of the lead leaving")
        refused = self._refused_votes()
        if refused != self.refused_votes:
            self.problems.append(
                f"{refused} votes were refused on the closed board, expected {self.refused_votes}"
            )
        self.wait_for_database()

    def _refused_votes(self) -> int:
        assert self.bot.process is not None
        query = sa.text("SELECT COUNT(*) FROM board_vote_notices")
        with self.bot.process.db.engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def counts(self) -> Counter[str]:
        """Return the boards' activity and the messages the bot sent about them."""
        received: Counter[str] = Counter()
        received["boards"] = len(self.boards)
        received["board ideas"] = sum(len(board.ideas) for board in self.boards)
        received["board votes"] = sum(
            len(voters) for board in self.boards for voters in board.voters.values()
        )
        received["board comments"] = sum(board.comments for board in self.boards)
        received["answers"] = sum(len(board.answered) for board in self.boards)
        received["answer messages"] = sum(
            self._count(user, STATUS_FRAGMENT) for user in self.people
        )
        received["weekly digests"] = sum(self._count(user, DIGEST_FRAGMENT) for user in self.people)
        return received
