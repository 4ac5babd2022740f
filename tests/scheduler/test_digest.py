"""Managers' daily digests at 08:00 local time, with numbers checked against known activity."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from bot.core import comments, ideas, roles, votes
from bot.core.clock import ManualClock
from bot.core.records import Person
from bot.core.votes import VoteChange
from bot.simulate.local_bot import BOT_TOKEN, LocalBot
from bot.simulate.slack_standin import TEAM_ID, SlackStandIn
from tests.scheduler.test_reminders import OPENS, SETTLE_SECONDS, message_text, open_now, wait_for

MANAGERS = ("U0MGRA", "U0MGRB")
STAFF = [f"U0STAFF{n:02d}" for n in range(18)]
# Everyone the stand-in lists as a person: 2 managers and 18 staff; the others are left out.
PEOPLE = len(MANAGERS) + len(STAFF)
USERS: dict[str, dict[str, Any]] = {
    **{user: {} for user in (*MANAGERS, *STAFF)},
    "U0GONE": {"deleted": True},
    "U0HELPERBOT": {"is_bot": True},
}
CHANNEL = "C0REMIND"
# 08:00 GMT on the second and third days.
DIGEST_1 = datetime(2027, 1, 12, 8, 0, tzinfo=OPENS.tzinfo)
DIGEST_2 = DIGEST_1 + timedelta(days=1)


def person(user: str) -> Person:
    return Person(platform="slack", team_id=TEAM_ID, user_id=user)


def digests(bot: LocalBot, user: str) -> list[str]:
    return [
        message_text(message)
        for message in bot.standin.messages(user)
        if str(message.get("text", "")).startswith("Daily digest")
    ]


class Activity:
    """Creates ideas, votes and comments at given times and keeps what it created."""

    def __init__(self, bot: LocalBot) -> None:
        assert bot.process is not None
        self.db = bot.process.db
        self.ideas: dict[str, int] = {}
        self.events: list[tuple[str, datetime, str, str]] = []

    def idea(self, text: str, user: str, at: datetime) -> None:
        submitted = ideas.submit_idea(self.db, person(user), text=text, channel_id=CHANNEL, now=at)
        self.ideas[text] = submitted.idea.id
        self.events.append(("idea", at, text, user))

    def vote(self, text: str, user: str, at: datetime) -> None:
        votes.change_vote(
            self.db, person(user), idea_id=self.ideas[text], change=VoteChange.CAST, now=at
        )
        self.events.append(("vote", at, text, user))

    def comment(self, text: str, user: str, at: datetime) -> None:
        comments.add_comment(
            self.db,
            person(user),
            idea_id=self.ideas[text],
            message_id=f"{at.timestamp():.6f}",
            text="Agreed",
            now=at,
        )
        self.events.append(("comment", at, text, user))

    def counts(self, start: datetime, end: datetime) -> dict[str, int]:
        inside = [event for event in self.events if start <= event[1] < end]
        return {
            kind: sum(event[0] == kind for event in inside) for kind in ("idea", "comment", "vote")
        }

    def gains(self, start: datetime, end: datetime) -> list[tuple[str, int]]:
        gained: dict[str, int] = {}
        for kind, at, text, _user in self.events:
            if kind == "vote" and start <= at < end:
                gained[text] = gained.get(text, 0) + 1
        return sorted(gained.items(), key=lambda item: -item[1])

    def participants(self) -> int:
        return len({user for _kind, _at, _text, user in self.events})


def add_day_one(activity: Activity) -> None:
    hour = OPENS + timedelta(minutes=30)
    texts = [f"Idea number {n}" for n in range(1, 8)]
    for n, text in enumerate(texts):
        activity.idea(text, STAFF[n], hour + timedelta(minutes=n))
    # Idea n gains 7 - n votes, so six ideas gain distinct numbers and the seventh none.
    for n, text in enumerate(texts[:6]):
        for voter in STAFF[10 : 10 + 6 - n]:
            activity.vote(text, voter, hour + timedelta(hours=2, minutes=n))
    activity.comment("Idea number 1", STAFF[16], hour + timedelta(hours=5))
    activity.comment("Idea number 2", STAFF[17], hour + timedelta(hours=6))


def test_digest_numbers_to_each_manager(database_url: str) -> None:
    clock = ManualClock(OPENS)
    standin = SlackStandIn(bot_token=BOT_TOKEN, users=USERS)
    with LocalBot(database_url=database_url, clock=clock, standin=standin) as bot:
        assert bot.process is not None
        for manager in MANAGERS:
            roles.grant_role(
                bot.process.db,
                platform="slack",
                user_id=manager,
                role="manager",
                granted_by="cli",
                now=clock.now(),
            )
        open_now(bot, clock)
        activity = Activity(bot)
        add_day_one(activity)

        clock.set(DIGEST_1 - timedelta(minutes=1))
        time.sleep(SETTLE_SECONDS)
        assert digests(bot, MANAGERS[0]) == []

        clock.set(DIGEST_1)
        for manager in MANAGERS:
            wait_for(lambda m=manager: digests(bot, m), what=f"the digest to {manager}")
        first = digests(bot, MANAGERS[0])[0]
        assert digests(bot, MANAGERS[1]) == [first]

        counts = activity.counts(DIGEST_1 - timedelta(hours=24), DIGEST_1)
        assert (
            f"*Last 24 hours:* {counts['idea']} new ideas · {counts['comment']} comments · "
            f"{counts['vote']} votes" in first
        )
        gains = activity.gains(DIGEST_1 - timedelta(hours=24), DIGEST_1)
        lines = [line for line in first.splitlines() if line[:2] in {f"{n}." for n in range(1, 6)}]
        assert len(lines) == 5
        for rank, ((text, gained), line) in enumerate(zip(gains[:5], lines, strict=True), start=1):
            assert line.startswith(f"{rank}. {text} · +{gained} ")
        assert gains[5][0] not in first
        participants = activity.participants()
        share = round(participants / PEOPLE * 100)
        assert f"*Participants so far:* {participants} people of {PEOPLE} staff ({share}%)" in first
        assert "*19 days left:* closes 2027-01-31 09:00 GMT" in first

        # The next day: one more idea and vote arrive after the digest, and users.list
        # fails, but the staff count from the first digest is still fresh.
        later = DIGEST_1 + timedelta(hours=3)
        activity.idea("A later idea", STAFF[0], later)
        activity.vote("A later idea", MANAGERS[0], later + timedelta(minutes=5))
        standin.fail("users.list", "missing_scope")
        count_calls = len(standin.calls("users.list"))
        clock.set(DIGEST_2)
        wait_for(lambda: len(digests(bot, MANAGERS[1])) == 2, what="the second digest")
        second = digests(bot, MANAGERS[1])[1]
        time.sleep(SETTLE_SECONDS)
        assert len(digests(bot, MANAGERS[0])) == 2

    assert "*Last 24 hours:* 1 new idea · 0 comments · 1 vote" in second
    assert "1. A later idea · +1 (1 vote in all)" in second
    participants = activity.participants()
    share = round(participants / PEOPLE * 100)
    assert f"*Participants so far:* {participants} people of {PEOPLE} staff ({share}%)" in second
    assert len(standin.calls("users.list")) == count_calls
    assert "*18 days left:*" in second


def test_digest_share_unknown_without_count(database_url: str) -> None:
    clock = ManualClock(OPENS)
    standin = SlackStandIn(bot_token=BOT_TOKEN, users=USERS)
    standin.fail("users.list", "missing_scope")
    with LocalBot(database_url=database_url, clock=clock, standin=standin) as bot:
        assert bot.process is not None
        roles.grant_role(
            bot.process.db,
            platform="slack",
            user_id=MANAGERS[0],
            role="manager",
            granted_by="cli",
            now=clock.now(),
        )
        open_now(bot, clock)
        activity = Activity(bot)
        activity.idea("An idea", STAFF[0], OPENS + timedelta(minutes=5))
        clock.set(DIGEST_1)
        wait_for(lambda: digests(bot, MANAGERS[0]), what="the digest")
        digest = digests(bot, MANAGERS[0])[0]

    assert "*Participants so far:* 1 person." in digest
    assert "share of staff is unknown" in digest


def test_missed_digest_sent_at_start_that_day_only(database_url: str) -> None:
    clock = ManualClock(OPENS)
    standin = SlackStandIn(bot_token=BOT_TOKEN, users=USERS)
    with LocalBot(database_url=database_url, clock=clock, standin=standin) as first:
        assert first.process is not None
        roles.grant_role(
            first.process.db,
            platform="slack",
            user_id=MANAGERS[0],
            role="manager",
            granted_by="cli",
            now=clock.now(),
        )
        open_now(first, clock)
    # Down from before the first digest until the afternoon of the day after.
    clock.set(DIGEST_2 + timedelta(hours=6))

    with LocalBot(database_url=database_url, clock=clock) as second:
        wait_for(lambda: digests(second, MANAGERS[0]), what="the day's missed digest")
        time.sleep(SETTLE_SECONDS)

    [sent] = digests(second, MANAGERS[0])
    assert "Wednesday 13 January" in sent


def test_two_bots_digest_once(database_url: str) -> None:
    clock = ManualClock(OPENS)
    # One stand-in for both, as two processes of one deployment share one Slack.
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    with (
        LocalBot(database_url=database_url, clock=clock, standin=standin) as first,
        LocalBot(database_url=database_url, clock=clock, standin=standin) as second,
    ):
        assert first.process is not None and second.process is not None
        for manager in MANAGERS:
            roles.grant_role(
                first.process.db,
                platform="slack",
                user_id=manager,
                role="manager",
                granted_by="cli",
                now=clock.now(),
            )
        open_now(first, clock)
        second.process.scheduler.sync()
        clock.set(DIGEST_1)
        for manager in MANAGERS:
            wait_for(
                lambda m=manager: digests(first, m),
                what=f"the digest to {manager}",
            )
        time.sleep(SETTLE_SECONDS)

    for manager in MANAGERS:
        assert len(digests(first, manager)) == 1
