"""Peer recognition beside the simulated campaign: /thanks cards and their checks.

Before the opening a manager sets the recognition channel with `/thanks channel` and
the organisation's values with `/thanks values`. On days spread over the campaign some
staff thank one to three colleagues with `/thanks @colleague MESSAGE`, some adding a
value as a #tag. One of them sends the same thanks again 20 seconds later, which the
bot merges into the first card. After the close the run checks that each card was
posted once in the recognition channel and that each thanked colleague got one direct
message about it.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from bot.core.clock import ManualClock
from bot.simulate import payloads
from bot.simulate.answers import CheckLine
from bot.simulate.common import SimulationFailed, wait_until
from bot.simulate.local_bot import HttpResult, LocalBot

RECOGNITION_CHANNEL = "C0RECOGNITION"
VALUES = ("Compassionate", "Open", "Respectful")
# At the reference headcount of 3,000 staff, 60 cards in 20 days; at least 3 in any run.
STAFF_PER_CARD = 50
MIN_CARDS = 3
MAX_COLLEAGUES = 3
# The repeat of the first card comes this long after it, inside the bot's merge window.
REPEAT_AFTER = timedelta(seconds=20)
MESSAGES = (
    "Thank you for covering my clinic at short notice",
    "Thanks for staying late to finish the handover notes",
    "You made the new starters feel welcome all week",
    "Thank you for sorting out the pharmacy delivery so calmly",
    "Thanks for explaining the new rota system to everyone",
)
WAIT_SECONDS = 60.0
HTTP_OK = 200

SETUP_LABEL = "/thanks channel and values"
THANKS_LABEL = "/thanks with a colleague"
REPEAT_LABEL = "/thanks repeated within a minute"

# The texts the bot writes, as handlers.thanks and handlers.blocks.thanks build them.
CARD_FRAGMENT = " thanked "
NOTICE_FRAGMENT = " thanked you"
CHANNEL_SET_FRAGMENT = "posted in"
VALUES_SET_FRAGMENT = "values are"
CARD_REPLY_START = "Thank you for thanking"
MERGED_REPLY_START = "You sent these thanks a moment ago"

MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")

Exchange = Callable[[str, bytes, str], HttpResult]


def _card_key(giver: str, colleagues: Iterable[str]) -> str:
    """Return a card's giver and colleagues, which the card lists in an order of its own."""
    return f"<@{giver}> thanked " + ", ".join(f"<@{user}>" for user in sorted(colleagues))


@dataclass(frozen=True)
class PlannedThanks:
    """One /thanks: who gives it to whom, the message typed, and its campaign day."""

    number: int
    day: int
    giver: str
    colleagues: tuple[str, ...]
    message: str
    value: str | None


class Recognition:
    """The run's peer recognition: the channel's set-up, the planned thanks, and their checks."""

    def __init__(
        self,
        *,
        bot: LocalBot,
        staff: list[str],
        manager: str,
        usernames: dict[str, str],
        days: int,
        seed: int,
    ) -> None:
        assert bot.process is not None
        self.bot = bot
        self.manager = manager
        self._usernames = usernames
        self._engine = sa.create_engine(bot.process.settings.database_url)
        self._sequence = itertools.count(1)
        rng = random.Random(seed)
        count = max(MIN_CARDS, round(len(staff) / STAFF_PER_CARD))
        self.planned = [
            self._plan_one(number, rng, staff=staff, day=1 + number * days // count)
            for number in range(count)
        ]
        # The thanks whose first send got the card reply, and the repeat's reply.
        self.cards: list[PlannedThanks] = []
        self.repeat_reply = ""
        self.lines: list[CheckLine] = []
        self.problems: list[str] = []

    @staticmethod
    def _plan_one(number: int, rng: random.Random, *, staff: list[str], day: int) -> PlannedThanks:
        giver = rng.choice(staff)
        others = [user_id for user_id in staff if user_id != giver]
        colleagues = tuple(rng.sample(others, min(len(others), rng.randint(1, MAX_COLLEAGUES))))
        return PlannedThanks(
            number=number,
            day=day,
            giver=giver,
            colleagues=colleagues,
            message=MESSAGES[number % len(MESSAGES)],
            value=VALUES[number % len(VALUES)] if number % 2 == 0 else None,
        )

    def _username(self, user_id: str) -> str:
        return self._usernames.get(user_id, user_id.lower())

    def _command(self, user_id: str, text: str, *, token: str) -> tuple[bytes, str]:
        return payloads.slash_command(
            command="/thanks",
            text=text,
            user_id=user_id,
            user_name=self._username(user_id),
            channel_id=RECOGNITION_CHANNEL,
            response_url=self.bot.standin.response_url(token),
            trigger_id=f"{int(time.time())}.{token}.simulated",
        )

    def _reply(self, token: str, *, command: str) -> str:
        """Wait for the bot's private reply to one command and return its text."""
        wait_until(
            lambda: bool(self.bot.standin.responses(token)),
            timeout=WAIT_SECONDS,
            describe=lambda: f"the bot did not reply to {command}",
        )
        return str(self.bot.standin.responses(token)[0].params.get("text", ""))

    def set_up(self, exchange: Exchange) -> None:
        """Set the recognition channel and the values as a manager, and check the replies."""
        values = ", ".join(value.lower() for value in VALUES)
        settings = (
            ("channel", f"channel <#{RECOGNITION_CHANNEL}|recognition>", CHANNEL_SET_FRAGMENT),
            ("values", f"values {values}", VALUES_SET_FRAGMENT),
        )
        for name, text, expected in settings:
            token = f"thanks-setup-{name}"
            body, content_type = self._command(self.manager, text, token=token)
            if exchange(SETUP_LABEL, body, content_type).status != HTTP_OK:
                raise SimulationFailed(f"/thanks {name} got an HTTP status other than 200")
            reply = self._reply(token, command=f"/thanks {name}")
            if expected not in reply:
                raise SimulationFailed(f"/thanks {name} was not accepted: {reply!r}")

    def _text(self, thanks: PlannedThanks) -> str:
        mentions = " ".join(
            f"<@{user_id}|{self._username(user_id)}>" for user_id in thanks.colleagues
        )
        tag = f" #{thanks.value.lower()}" if thanks.value else ""
        return f"{mentions} {thanks.message}{tag}"

    def run_day(self, day: int, exchange: Exchange, *, clock: ManualClock) -> None:
        """Send the day's thanks one after another; repeat the first thanks of the run once."""
        for thanks in (thanks for thanks in self.planned if thanks.day == day):
            token = f"thanks-{thanks.number}"
            body, content_type = self._command(thanks.giver, self._text(thanks), token=token)
            if exchange(THANKS_LABEL, body, content_type).status != HTTP_OK:
                continue
            reply = self._reply(token, command=f"thanks {thanks.number}")
            if not reply.startswith(CARD_REPLY_START):
                self.problems.append(f"thanks {thanks.number} got the reply {reply!r}")
                continue
            self.cards.append(thanks)
            if thanks.number == 0:
                clock.advance(REPEAT_AFTER)
                token = "thanks-repeat"
                body, content_type = self._command(thanks.giver, self._text(thanks), token=token)
                if exchange(REPEAT_LABEL, body, content_type).status == HTTP_OK:
                    self.repeat_reply = self._reply(token, command="the repeated thanks")

    # Checks after the close

    def check(self) -> None:
        """Compare the cards in the channel and the colleagues' direct messages with those sent."""
        wait_until(
            lambda: self._unsent() == 0,
            timeout=WAIT_SECONDS,
            describe=lambda: f"{self._unsent()} direct messages about thanks are still unsent",
        )
        expected_cards = Counter(
            _card_key(thanks.giver, thanks.colleagues) for thanks in self.cards
        )
        posted: Counter[str] = Counter()
        for message in self.bot.standin.messages(RECOGNITION_CHANNEL):
            headline = str(message.get("text", "")).split(":", 1)[0]
            if CARD_FRAGMENT in headline:
                giver, colleagues = headline.split(CARD_FRAGMENT, 1)
                posted[_card_key(giver[2:-1], MENTION.findall(colleagues))] += 1
        card_problems = [
            f"the card {key!r} was posted {posted[key]} times"
            for key in sorted(set(expected_cards) | set(posted))
            if posted[key] != expected_cards[key]
        ]
        if not self.repeat_reply.startswith(MERGED_REPLY_START):
            card_problems.append(f"the repeated thanks got the reply {self.repeat_reply!r}")
        self._add_line(
            "thanks cards in the recognition channel",
            f"{sum(posted.values())} posted for {len(self.cards)} cards and 1 repeat",
            not card_problems,
            problem="; ".join(card_problems),
        )

        expected_notices = Counter(
            (user_id, f"<@{thanks.giver}>")
            for thanks in self.cards
            for user_id in thanks.colleagues
        )
        received: Counter[tuple[str, str]] = Counter()
        for user_id in {user_id for user_id, _ in expected_notices}:
            for message in self.bot.standin.messages(user_id):
                text = str(message.get("text", ""))
                if NOTICE_FRAGMENT in text:
                    received[(user_id, text.split(NOTICE_FRAGMENT, 1)[0])] += 1
        notice_problems = [
            f"{user_id} got {received[(user_id, giver)]} messages of thanks from {giver}, "
            f"expected {count}"
            for (user_id, giver), count in sorted(expected_notices.items())
            if received[(user_id, giver)] != count
        ]
        self._add_line(
            "thanks messages, one per colleague and card",
            f"{sum(received.values())} received, {sum(expected_notices.values())} expected",
            not notice_problems,
            problem="; ".join(notice_problems[:5]),
        )

    def _unsent(self) -> int:
        query = sa.text(
            "SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'thanks:%' "
            "AND sent_at IS NULL AND failed_at IS NULL"
        )
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar() or 0)

    def _add_line(self, label: str, detail: str, ok: bool, *, problem: str) -> None:
        self.lines.append(CheckLine(label=label, detail=detail, ok=ok))
        if not ok:
            self.problems.append(problem)

    def dispose(self) -> None:
        """Close the engine's connections."""
        self._engine.dispose()
