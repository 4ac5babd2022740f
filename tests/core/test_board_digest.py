"""A Your Shout board's weekly digest: when it is due, what it counts, when it shows ideas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.core import board_digest, boards, comments, ideas, roles, votes
from bot.core.board_digest import (
    build_board_digest,
    due_digest_day,
    latest_digest_time,
    next_digest_due,
    next_digest_time,
    send_due_board_digest,
)
from bot.core.records import BoardRecord, Person
from bot.core.votes import VoteChange
from bot.simulate.slack_standin import SlackStandIn
from handlers.blocks.board_digest import board_digest_message
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from handlers.teams.converted import card_from_blocks
from storage.database import Database
from storage.models import Idea, OutboxMessage
from tests.teams.support import texts_of

LONDON = ZoneInfo("Europe/London")
TEAM = "T0TEAM"
LEAD = Person(platform="slack", team_id=TEAM, user_id="U0LEAD")
STAFF = [Person(platform="slack", team_id=TEAM, user_id=f"U0STAFF{n}") for n in range(6)]
CHANNEL = "C0WARD"
PRIVATE_CHANNEL = "G0THEATRE"
MONDAY = 0
NINE_AM = 9 * 60
# Monday 4 January 2027, 10:00 GMT: after that day's 09:00 digest time.
CREATED = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)
FIRST_DIGEST = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token="xoxb-board-digest") as running:
        yield running


@pytest.fixture
def publisher(db: Database, standin: SlackStandIn) -> Iterator[SlackPublisher]:
    client = WebClient(token="xoxb-board-digest", base_url=standin.api_url)
    refresher = VoteCountRefresher(db=db, client=client)
    try:
        yield SlackPublisher(client, timezone=LONDON, refresher=refresher)
    finally:
        refresher.stop()


def start(
    db: Database,
    *,
    channel: str = CHANNEL,
    private: bool = False,
    now: datetime = CREATED,
    question: str = "What would make our handovers easier?",
) -> BoardRecord:
    roles.grant_role(
        db, platform="slack", user_id=LEAD.user_id, role="lead", granted_by="test", now=now
    )
    return boards.start_board(
        db,
        LEAD,
        channel_id=channel,
        question=question,
        private=private,
        now=now,
    ).board


def board_now(db: Database, board_id: int) -> BoardRecord:
    return boards.get_board(db, board_id)


def post(db: Database, text: str, at: datetime, *, author: int = 0, anonymous: bool = False) -> int:
    submitted = ideas.submit_idea(
        db, STAFF[author], text=text, anonymous=anonymous, channel_id=CHANNEL, now=at
    )
    assert submitted.board is not None, "the idea should go to the channel's board"
    return submitted.idea.id


def vote(db: Database, idea_id: int, voter: int, at: datetime) -> None:
    votes.change_vote(db, STAFF[voter], idea_id=idea_id, change=VoteChange.CAST, now=at)


def comment(db: Database, idea_id: int, at: datetime) -> None:
    comments.add_comment(
        db,
        STAFF[5],
        idea_id=idea_id,
        message_id=f"{at.timestamp():.6f}",
        text="Agreed",
        now=at,
    )


def answer(db: Database, idea_id: int, at: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            update(Idea)
            .where(Idea.id == idea_id)
            .values(status="planned", status_changed_at=at, status_changed_by=LEAD.user_id)
        )


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return rows


def message_text(text: str, blocks: list[dict[str, Any]] | None) -> str:
    parts = [text]
    for block in blocks or []:
        if isinstance(block.get("text"), dict):
            parts.append(str(block["text"].get("text", "")))
        for element in block.get("elements") or []:
            parts.append(str(element.get("text", "")))
    return "\n".join(parts)


def row_text(row: OutboxMessage) -> str:
    payload = json.loads(row.payload)
    return message_text(payload["text"], payload.get("blocks"))


def built_text(publisher: SlackPublisher, digest: board_digest.BoardDigest) -> str:
    message = publisher.board_digest_message(digest, dedupe_key="test")
    return message_text(message.text, message.blocks)


# Due times


def test_digest_times_across_clock_changes() -> None:
    # Clocks go forward on Sunday 28 March 2027 and back on Sunday 31 October 2027.
    before_spring = datetime(2027, 3, 22, 9, 30, tzinfo=UTC)
    before_autumn = datetime(2027, 10, 25, 8, 30, tzinfo=UTC)

    spring_next = next_digest_time(before_spring, weekday=MONDAY, minute=NINE_AM, timezone=LONDON)
    spring_latest = latest_digest_time(
        before_spring, weekday=MONDAY, minute=NINE_AM, timezone=LONDON
    )
    autumn_next = next_digest_time(before_autumn, weekday=MONDAY, minute=NINE_AM, timezone=LONDON)
    autumn_latest = latest_digest_time(
        before_autumn, weekday=MONDAY, minute=NINE_AM, timezone=LONDON
    )

    assert spring_latest == datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    assert spring_next == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert spring_next.astimezone(LONDON).strftime("%A %H:%M %Z") == "Monday 09:00 BST"
    assert autumn_latest == datetime(2027, 10, 25, 8, 0, tzinfo=UTC)
    assert autumn_next == datetime(2027, 11, 1, 9, 0, tzinfo=UTC)
    assert autumn_next.astimezone(LONDON).strftime("%A %H:%M %Z") == "Monday 09:00 GMT"


def test_digest_time_at_exact_moment() -> None:
    at_digest = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)

    assert (
        latest_digest_time(at_digest, weekday=MONDAY, minute=NINE_AM, timezone=LONDON) == at_digest
    )
    assert next_digest_time(
        at_digest, weekday=MONDAY, minute=NINE_AM, timezone=LONDON
    ) == at_digest + timedelta(days=7)


def test_first_digest_due_week_after_start(db: Database) -> None:
    board = start(db)

    assert due_digest_day(db, board, now=CREATED, timezone=LONDON) is None
    assert next_digest_due(db, board, now=CREATED, timezone=LONDON) == FIRST_DIGEST
    assert due_digest_day(db, board, now=FIRST_DIGEST, timezone=LONDON) == date(2027, 1, 11)
    assert next_digest_due(db, board, now=FIRST_DIGEST, timezone=LONDON) == FIRST_DIGEST


def test_changed_day_and_time(db: Database, publisher: SlackPublisher) -> None:
    board = start(db)
    assert send_due_board_digest(db, publisher, board.id, now=FIRST_DIGEST)

    # On Wednesday the lead moves the digest to Friday 17:30: last Friday's time
    # is before Monday's digest, so nothing is due until this Friday.
    wednesday = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    boards.set_digest_time(db, LEAD, channel_id=CHANNEL, weekday=4, minute=17 * 60 + 30)
    moved = board_now(db, board.id)
    friday = datetime(2027, 1, 15, 17, 30, tzinfo=UTC)

    assert due_digest_day(db, moved, now=wednesday, timezone=LONDON) is None
    assert next_digest_due(db, moved, now=wednesday, timezone=LONDON) == friday
    assert send_due_board_digest(db, publisher, board.id, now=wednesday) is False
    assert send_due_board_digest(db, publisher, board.id, now=friday)
    assert [row.dedupe_key for row in outbox_rows(db)] == [
        f"board-digest:{board.id}:2027-01-11:U0LEAD",
        f"board-digest:{board.id}:2027-01-15:U0LEAD",
    ]


def test_earlier_time_same_day_not_resent(db: Database, publisher: SlackPublisher) -> None:
    board = start(db)
    assert send_due_board_digest(db, publisher, board.id, now=FIRST_DIGEST)
    later = FIRST_DIGEST + timedelta(hours=2)

    # 10:30 the same Monday: the digest time has passed, but today's digest went out.
    boards.set_digest_time(db, LEAD, channel_id=CHANNEL, weekday=MONDAY, minute=10 * 60 + 30)
    moved = board_now(db, board.id)
    at_new_time = FIRST_DIGEST + timedelta(minutes=90)

    assert due_digest_day(db, moved, now=later, timezone=LONDON) is None
    assert next_digest_due(db, moved, now=later, timezone=LONDON) == at_new_time + timedelta(days=7)
    assert send_due_board_digest(db, publisher, board.id, now=later) is False
    assert len(outbox_rows(db)) == 1


def test_after_downtime_latest_only(db: Database, publisher: SlackPublisher) -> None:
    board = start(db)
    # Down from before the first digest until Wednesday of the fourth week.
    back = datetime(2027, 1, 27, 12, 0, tzinfo=UTC)
    post(db, "In the missed second week", datetime(2027, 1, 12, 10, 0, tzinfo=UTC))
    post(db, "In the latest week", datetime(2027, 1, 20, 10, 0, tzinfo=UTC))

    assert due_digest_day(db, board, now=back, timezone=LONDON) == date(2027, 1, 25)
    assert next_digest_due(db, board, now=back, timezone=LONDON) == back
    assert send_due_board_digest(db, publisher, board.id, now=back)
    assert send_due_board_digest(db, publisher, board.id, now=back) is False
    assert next_digest_due(db, board, now=back, timezone=LONDON) == datetime(
        2027, 2, 1, 9, 0, tzinfo=UTC
    )

    [row] = outbox_rows(db)
    text = row_text(row)
    assert row.recipient == LEAD.user_id
    assert row.dedupe_key == f"board-digest:{board.id}:2027-01-25:U0LEAD"
    assert "*Week to Monday 25 January 09:00:* 1 new idea · 0 comments · 0 votes" in text
    assert "In the latest week" in text
    assert "In the missed second week" in text.split("*Waiting longest for your answer*")[1]


def test_closed_or_departed_gets_none(db: Database, publisher: SlackPublisher) -> None:
    board = start(db)
    boards.close_board(db, LEAD, channel_id=CHANNEL, now=CREATED + timedelta(days=1))
    closed = board_now(db, board.id)

    assert next_digest_due(db, closed, now=FIRST_DIGEST, timezone=LONDON) is None
    assert send_due_board_digest(db, publisher, board.id, now=FIRST_DIGEST) is False

    boards.reopen_board(db, LEAD, channel_id=CHANNEL, now=CREATED + timedelta(days=2))
    boards.mark_lead_departed(
        db, platform="slack", user_id=LEAD.user_id, now=CREATED + timedelta(days=3)
    )
    departed = board_now(db, board.id)

    assert next_digest_due(db, departed, now=FIRST_DIGEST, timezone=LONDON) is None
    assert send_due_board_digest(db, publisher, board.id, now=FIRST_DIGEST) is False
    assert outbox_rows(db) == []


# Content


def test_week_window_across_clock_change(db: Database, publisher: SlackPublisher) -> None:
    board = start(db, now=datetime(2027, 3, 15, 10, 0, tzinfo=UTC))
    # The week to Monday 29 March 09:00 BST runs from Monday 22 March 09:00 GMT.
    start_of_week = datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    end_of_week = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    before = post(db, "Just before the week", start_of_week - timedelta(seconds=1))
    first = post(db, "At the start of the week", start_of_week, author=1)
    last = post(db, "At the end of the week", end_of_week - timedelta(seconds=1), author=2)
    post(db, "At the digest time", end_of_week, author=3)
    vote(db, before, 4, start_of_week - timedelta(seconds=1))
    vote(db, first, 4, start_of_week)
    vote(db, last, 4, end_of_week - timedelta(seconds=1))
    vote(db, first, 5, end_of_week)
    comment(db, before, start_of_week)
    comment(db, last, end_of_week)

    digest = build_board_digest(
        db,
        board,
        day=date(2027, 3, 29),
        now=end_of_week + timedelta(minutes=1),
        timezone=LONDON,
        lead_is_member=None,
    )

    assert digest.period_start == start_of_week
    assert digest.period_end == end_of_week
    assert digest.activity.idea_count == 2
    assert digest.activity.vote_count == 2
    assert digest.activity.comment_count == 1
    assert [idea.text for idea in digest.new_ideas] == [
        "At the start of the week",
        "At the end of the week",
    ]
    assert digest.totals.idea_count == 4
    assert digest.totals.vote_count == 4
    assert digest.totals.comment_count == 2
    text = built_text(publisher, digest)
    assert "*Week to Monday 29 March 09:00:* 2 new ideas · 1 comment · 2 votes" in text
    assert "*Since the board opened:* 4 ideas, 0 answered, 4 waiting · 4 votes · 2 comments" in (
        text
    )
    assert "`/yourshout digest DAY HH:MM`" in text

    # As a Teams card the digest keeps the time and names no Slack command.
    teams_text, blocks = board_digest_message(
        digest, permalinks={}, timezone=LONDON, change_schedule=None
    )
    card_text = texts_of(card_from_blocks(blocks, fallback=teams_text))
    assert "**Week to Monday 29 March 09:00:** 2 new ideas" in card_text
    assert "(Europe/London time)." in card_text
    assert "/yourshout" not in card_text


def test_waiting_ideas_oldest_first(db: Database, publisher: SlackPublisher) -> None:
    board = start(db)
    posted = [
        post(db, f"Idea {n}", CREATED + timedelta(hours=1 + n), author=n % 5) for n in range(7)
    ]
    answer(db, posted[1], CREATED + timedelta(days=1))
    for voter in range(3):
        vote(db, posted[4], voter, CREATED + timedelta(days=2))
    now = FIRST_DIGEST

    digest = build_board_digest(
        db, board, day=date(2027, 1, 11), now=now, timezone=LONDON, lead_is_member=None
    )

    waiting = [(idea.text, idea.age_days, idea.vote_count) for idea in digest.waiting_ideas]
    assert waiting == [
        ("Idea 0", 6, 0),
        ("Idea 2", 6, 0),
        ("Idea 3", 6, 0),
        ("Idea 4", 6, 3),
        ("Idea 5", 6, 0),
    ]
    assert digest.totals.waiting_count == 6
    assert digest.totals.answered_count == 1
    text = built_text(publisher, digest)
    lines = [line for line in text.splitlines() if line[:2] in {f"{n}." for n in range(1, 9)}]
    assert lines == [
        "1. Idea 0 · waiting 6 days · 0 votes",
        "2. Idea 2 · waiting 6 days · 0 votes",
        "3. Idea 3 · waiting 6 days · 0 votes",
        "4. Idea 4 · waiting 6 days · 3 votes",
        "5. Idea 5 · waiting 6 days · 0 votes",
    ]
    assert "Idea 6" not in text.split("*Waiting longest for your answer*")[1]


def test_texts_escaped_and_anonymous(db: Database, publisher: SlackPublisher) -> None:
    board = start(db)
    post(db, "Ping <!channel> & fix the <https://x.example|rota>", CREATED + timedelta(hours=1))
    post(db, "Quiet idea " + "long " * 60, CREATED + timedelta(hours=2), anonymous=True)

    digest = build_board_digest(
        db, board, day=date(2027, 1, 11), now=FIRST_DIGEST, timezone=LONDON, lead_is_member=None
    )
    text = built_text(publisher, digest)

    assert "Ping &lt;!channel&gt; &amp; fix the &lt;https://x.example|rota&gt;" in text
    assert "<!channel>" not in text
    assert "by Anonymous" in text
    assert "long " * 30 not in text
    assert "…" in text


def test_quiet_week_still_sent(db: Database, publisher: SlackPublisher) -> None:
    board = start(db, question="Should we *really* move & <!here>?")

    assert send_due_board_digest(db, publisher, board.id, now=FIRST_DIGEST)

    [row] = outbox_rows(db)
    text = row_text(row)
    assert "A quiet week: the board has no ideas yet." in text
    assert "every idea has an answer" not in text
    assert "0 new ideas · 0 comments · 0 votes" in text
    # Quoted rather than bold, so the question's own asterisks cannot end the bold early.
    assert "asks:\n>Should we *really* move &amp; &lt;!here&gt;?\n*Week to" in text
    assert "every Monday at 09:00 (Europe/London time)" in text


def test_answered_idea_week_not_quiet(db: Database, publisher: SlackPublisher) -> None:
    board = start(db)
    idea = post(db, "Already answered", CREATED + timedelta(hours=1))
    answer(db, idea, CREATED + timedelta(hours=2))

    text = built_text(
        publisher,
        build_board_digest(
            db,
            board,
            day=date(2027, 1, 11),
            now=FIRST_DIGEST,
            timezone=LONDON,
            lead_is_member=None,
        ),
    )
    assert "A quiet week" not in text
    assert "1 answered, 0 waiting" in text

    next_week = built_text(
        publisher,
        build_board_digest(
            db,
            board,
            day=date(2027, 1, 18),
            now=FIRST_DIGEST + timedelta(days=7),
            timezone=LONDON,
            lead_is_member=None,
        ),
    )
    assert "A quiet week: nothing new, and every idea has an answer." in next_week


def test_private_board_member_check(
    db: Database, publisher: SlackPublisher, standin: SlackStandIn
) -> None:
    board = start(db, channel=PRIVATE_CHANNEL, private=True)
    ideas.submit_idea(
        db, STAFF[0], text="Theatre list secret", channel_id=PRIVATE_CHANNEL, now=CREATED
    )
    standin.set_channel_members(PRIVATE_CHANNEL, ["U0STAFF0", "U0STAFF1"])

    assert send_due_board_digest(db, publisher, board.id, now=FIRST_DIGEST)

    [row] = outbox_rows(db)
    hidden = row_text(row)
    assert row.recipient == LEAD.user_id
    assert "Theatre list secret" not in hidden
    assert "handovers" not in hidden
    assert "1 new idea · 0 comments · 0 votes" in hidden
    assert "you are not a member of it, so this digest shows counts only" in hidden

    # A lead listed on the second page of conversations.members gets the idea texts.
    others = [f"U0NURSE{n:03d}" for n in range(250)]
    standin.set_channel_members(PRIVATE_CHANNEL, [*others, LEAD.user_id])
    assert publisher.is_channel_member(PRIVATE_CHANNEL, LEAD.user_id) is True
    member_digest = build_board_digest(
        db, board, day=date(2027, 1, 11), now=FIRST_DIGEST, timezone=LONDON, lead_is_member=True
    )
    member_text = built_text(publisher, member_digest)
    assert "Theatre list secret" in member_text
    assert "counts only" not in member_text

    standin.fail("conversations.members", "missing_scope")
    assert publisher.is_channel_member(PRIVATE_CHANNEL, LEAD.user_id) is None
    unknown_digest = build_board_digest(
        db, board, day=date(2027, 1, 11), now=FIRST_DIGEST, timezone=LONDON, lead_is_member=None
    )
    unknown = built_text(publisher, unknown_digest)
    assert "Theatre list secret" not in unknown
    assert "could not check that you are a member" in unknown
