"""The simulated campaign's lifecycle checks: announcement, interest, digests, reminders, report.

Before the campaign opens, a manager posts its announcement with `/campaign announce ID`
and some staff press "Remind me when it's live", a few of them twice to withdraw. At the
opening each person still registered must get one direct message. While it runs, every
08:00 local time between the opening and the close must bring each manager one digest,
and day 10 and 48 hours before the close one reminder each in the channel, when those
times fall inside the campaign. At the close each manager must get the final report once.
The expected times are worked out here from the campaign's start and end, not from the
bot's own schedule code. The checks read the Slack stand-in unless given another Inbox.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import interest
from bot.core.records import CampaignRecord
from bot.simulate import payloads
from bot.simulate.local_bot import LocalBot
from handlers.ids import AnnouncementIds

# Questions staff answer, one per theme of the organisation's first campaign.
TOPICS = (
    "How could leaders here better show the behaviours we expect of each other?",
    "How could we recognise each other's work better?",
    "What would most improve your health and wellbeing at work?",
    "How could we make information easier to find and share?",
)
MANAGER_COUNT = 2
# Shares of staff who press "Remind me" once, and of those who press it again to withdraw.
REGISTER_SHARE = 0.15
WITHDRAW_SHARE = 0.2
DAY_REMINDER = 10
FINAL_REMINDER_HOURS = 48
DIGEST_TIME = clock_time(8, 0)
ANNOUNCEMENT_HEADER = "Coming soon: "
OPENING_FRAGMENT = "is open now"
DIGEST_FRAGMENT = "Daily digest"
REMINDER_FRAGMENT = "Reminder:"
REPORT_FRAGMENT = "has closed"
WAIT_SECONDS = 60.0
POLL_SECONDS = 0.05


ANNOUNCE_LABEL = "/campaign announce"
REMIND_LABEL = "block_actions (Remind me)"

# Sends one signed request with a label for the run's counts; returns whether it got 200.
Send = Callable[[str, bytes, str], bool]
# Returns the texts of the messages the bot sent to a channel or to a person (by the run's
# user id), oldest first.
Inbox = Callable[[str], list[str]]


class LifecycleFailed(Exception):
    """A lifecycle message did not arrive in time; the run cannot go on."""


def _wait(predicate: Callable[[], bool], *, describe: Callable[[], str]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            raise LifecycleFailed(describe())
        time.sleep(POLL_SECONDS)


def slack_inbox(bot: LocalBot) -> Inbox:
    """Return the Inbox that reads the text of each message the Slack stand-in received."""

    def texts(conversation: str) -> list[str]:
        return [str(message.get("text", "")) for message in bot.standin.messages(conversation)]

    return texts


class Lifecycle:
    """Drives and checks the parts of a campaign around the staff traffic."""

    def __init__(
        self,
        *,
        bot: LocalBot,
        campaign: CampaignRecord,
        staff: list[str],
        usernames: dict[str, str],
        timezone: ZoneInfo,
        seed: int,
        inbox: Inbox | None = None,
    ) -> None:
        """inbox reads the messages the checks count; by default those of the Slack stand-in."""
        self.bot = bot
        self._inbox = inbox or slack_inbox(bot)
        self._reads_slack = inbox is None
        self.campaign = campaign
        self.timezone = timezone
        self.managers = staff[:MANAGER_COUNT]
        self._staff = staff
        self._usernames = usernames
        self._random = random.Random(seed)
        self.registered: set[str] = set()
        self.withdrawn: set[str] = set()
        self.problems: list[str] = []
        self.presses = 0
        self._announcement: dict[str, Any] | None = None

    def _count(self, conversation: str, fragment: str) -> int:
        return sum(fragment in text for text in self._inbox(conversation))

    # Before the opening

    def announce(self, send: Send) -> None:
        """Send `/campaign announce ID` as a manager and wait for the announcement."""
        body, content_type = payloads.slash_command(
            command="/campaign",
            text=f"announce {self.campaign.id}",
            user_id=self.managers[0],
            user_name=self._usernames[self.managers[0]],
            channel_id=self.campaign.channel_id,
            response_url=self.bot.standin.response_url("announce"),
            trigger_id=f"{int(time.time())}.announce.simulated",
        )
        if not send(ANNOUNCE_LABEL, body, content_type):
            raise LifecycleFailed("/campaign announce got an HTTP status other than 200")
        _wait(
            lambda: self._find_announcement() is not None,
            describe=lambda: "the announcement did not appear in the channel",
        )
        self._announcement = self._find_announcement()

    def _find_announcement(self) -> dict[str, Any] | None:
        for message in self.bot.standin.messages(self.campaign.channel_id):
            if str(message.get("text", "")).startswith(ANNOUNCEMENT_HEADER):
                return message
        return None

    def register(self, send: Send) -> None:
        """Press "Remind me" for a share of staff, twice for some, and note who stays registered."""
        assert self._announcement is not None
        count = max(1, round(len(self._staff) * REGISTER_SHARE))
        chosen = self._random.sample(self._staff[MANAGER_COUNT:], count)
        for number, user_id in enumerate(chosen):
            presses = 2 if self._random.random() < WITHDRAW_SHARE else 1
            for press in range(presses):
                body, content_type = payloads.block_actions(
                    user_id=user_id,
                    user_name=self._usernames[user_id],
                    channel_id=self.campaign.channel_id,
                    message_ts=str(self._announcement["ts"]),
                    action_id=AnnouncementIds.REMIND_ACTION.value,
                    value=str(self.campaign.id),
                    block_id="announcement-remind",
                    response_url=self.bot.standin.response_url(f"remind-{number}-{press}"),
                    trigger_id=f"{int(time.time())}.remind{number}{press}.simulated",
                    message_blocks=list(self._announcement.get("blocks") or []),
                )
                ok = send(REMIND_LABEL, body, content_type)
                self.presses += 1
                if not ok:
                    raise LifecycleFailed("a Remind me press got an HTTP status other than 200")
            (self.withdrawn if presses == 2 else self.registered).add(user_id)
        # The bot acknowledges a press before it stores it, and a press stored after the
        # opening only gets the reply that the campaign is live. So the opening waits for
        # every press to be stored.
        assert self.bot.process is not None
        db = self.bot.process.db
        _wait(
            lambda: (
                set(interest.interested_user_ids(db, self.campaign.id, platform="slack"))
                == self.registered
            ),
            describe=lambda: "the bot did not store every Remind me press",
        )

    # At the opening

    def check_openings(self) -> None:
        """Wait for one opening message to each registered person; check the withdrawn get none."""
        _wait(
            lambda: all(self._count(user, OPENING_FRAGMENT) >= 1 for user in self.registered),
            describe=lambda: "not every registered person got the opening message",
        )
        for user_id in sorted(self.registered):
            count = self._count(user_id, OPENING_FRAGMENT)
            if count != 1:
                self.problems.append(f"{user_id} got {count} opening messages, expected 1")
        for user_id in sorted(self.withdrawn):
            count = self._count(user_id, OPENING_FRAGMENT)
            if count:
                self.problems.append(f"{user_id} withdrew but got {count} opening messages")

    # While open

    def digest_times(self, now: datetime) -> list[datetime]:
        """Return the 08:00 local times between the opening and the close, up to now."""
        times = []
        day = self.campaign.starts_at.astimezone(self.timezone).date()
        last = self.campaign.ends_at.astimezone(self.timezone).date()
        while day <= last:
            local = datetime.combine(day, DIGEST_TIME, tzinfo=self.timezone)
            moment = local.astimezone(self.campaign.starts_at.tzinfo)
            if self.campaign.starts_at < moment < self.campaign.ends_at and moment <= now:
                times.append(moment)
            day += timedelta(days=1)
        return times

    def reminder_times(self, now: datetime) -> list[datetime]:
        """Return the day-10 and final reminder times that have come by now."""
        local_start = self.campaign.starts_at.astimezone(self.timezone)
        day_ten = datetime.combine(
            local_start.date() + timedelta(days=DAY_REMINDER - 1),
            local_start.timetz().replace(tzinfo=None),
            tzinfo=self.timezone,
        )
        final = self.campaign.ends_at - timedelta(hours=FINAL_REMINDER_HOURS)
        return [moment for moment in (day_ten, final) if moment <= now]

    def wait_for_notices(self, now: datetime) -> None:
        """Wait until every digest and reminder due by now has arrived."""
        digests = len(self.digest_times(now))
        reminders = len(self.reminder_times(now))
        _wait(
            lambda: (
                all(self._count(user, DIGEST_FRAGMENT) >= digests for user in self.managers)
                and self._count(self.campaign.channel_id, REMINDER_FRAGMENT) >= reminders
            ),
            describe=lambda: (
                f"by {now.isoformat()} expected {digests} digests per manager and "
                f"{reminders} reminders in the channel; got digests "
                f"{[self._count(user, DIGEST_FRAGMENT) for user in self.managers]} and "
                f"{self._count(self.campaign.channel_id, REMINDER_FRAGMENT)} reminders"
            ),
        )

    # At the close

    def check_close(self) -> None:
        """Wait for the report and the digests to reach each manager, then count each kind.

        The last digest and the report go through the outbox separately, so the
        report can arrive first. A digest still missing when the wait ends is a
        failure; the count afterwards also catches one that came twice.
        """
        digests = len(self.digest_times(self.campaign.ends_at))
        try:
            _wait(
                lambda: all(
                    self._count(user, REPORT_FRAGMENT) >= 1
                    and self._count(user, DIGEST_FRAGMENT) >= digests
                    for user in self.managers
                ),
                describe=lambda: "the final report or a digest did not reach every manager",
            )
        except LifecycleFailed:
            if not all(self._count(user, REPORT_FRAGMENT) >= 1 for user in self.managers):
                raise
        for user_id in self.managers:
            got = self._count(user_id, DIGEST_FRAGMENT)
            if got != digests:
                self.problems.append(f"manager {user_id} got {got} digests, expected {digests}")
            reports = self._count(user_id, REPORT_FRAGMENT)
            if reports != 1:
                self.problems.append(f"manager {user_id} got {reports} final reports, expected 1")
        reminders = self._count(self.campaign.channel_id, REMINDER_FRAGMENT)
        expected_reminders = len(self.reminder_times(self.campaign.ends_at))
        if reminders != expected_reminders:
            self.problems.append(
                f"the channel got {reminders} reminders, expected {expected_reminders}"
            )

    def counts(self) -> Counter[str]:
        """Return the lifecycle messages received, by kind, for the run's report."""
        received: Counter[str] = Counter()
        received["opening messages"] = sum(
            self._count(user, OPENING_FRAGMENT) for user in self.registered | self.withdrawn
        )
        received["digests"] = sum(self._count(user, DIGEST_FRAGMENT) for user in self.managers)
        received["reminders"] = self._count(self.campaign.channel_id, REMINDER_FRAGMENT)
        received["final reports to managers"] = sum(
            self._count(user, REPORT_FRAGMENT) for user in self.managers
        )
        return received

    def last_digest(self) -> list[str]:
        """Return the plain text lines of the last digest the first manager got."""
        if not self._reads_slack:
            digests = [text for text in self._inbox(self.managers[0]) if DIGEST_FRAGMENT in text]
            return digests[-1].splitlines() if digests else []
        for message in reversed(self.bot.standin.messages(self.managers[0])):
            if DIGEST_FRAGMENT in str(message.get("text", "")):
                return _plain_lines(message.get("blocks") or [])
        return []


def _plain_lines(blocks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            lines.extend(str(text.get("text", "")).splitlines())
        for element in block.get("elements") or []:
            if isinstance(element, dict) and "text" in element:
                lines.append(str(element["text"]))
    return lines
