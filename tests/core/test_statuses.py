"""Tests of answering board ideas: permission, history, notifications through the outbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.core import roles
from bot.core.boards import close_board, start_board
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.ideas import record_idea_message, submit_idea
from bot.core.records import Person
from bot.core.statuses import (
    DONE,
    MAX_REPLY_LENGTH,
    PLANNED,
    UNDER_CONSIDERATION,
    StatusChange,
    set_idea_status,
)
from bot.core.votes import VoteChange, change_vote
from bot.simulate.slack_standin import SlackStandIn
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from storage.database import Database
from storage.models import Idea, IdeaStatusChange, OutboxMessage

LONDON = ZoneInfo("Europe/London")
TOKEN = "xoxb-status-test"
BOARD_CHANNEL = "C0TEAM"
LEE = Person("slack", "T1", "U_LEE", "Lee")  # the board's lead
MAY = Person("slack", "T1", "U_MAY", "May")  # an engagement manager
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")
CAT = Person("slack", "T1", "U_CAT", "Cat")


@pytest.fixture
def notifier(db: Database) -> Iterator[SlackPublisher]:
    """The Slack publisher, talking to a Slack stand-in on 127.0.0.1."""
    with SlackStandIn(bot_token=TOKEN) as standin:
        client = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
        refresher = VoteCountRefresher(db=db, client=client)
        try:
            yield SlackPublisher(client, timezone=LONDON, refresher=refresher)
        finally:
            refresher.stop()


@pytest.fixture
def board_id(db: Database, clock: ManualClock) -> int:
    """An open board in BOARD_CHANNEL led by Lee, with May granted the manager role."""
    roles.grant_role(
        db, platform="slack", user_id=LEE.user_id, role=roles.LEAD, granted_by="t", now=clock.now()
    )
    roles.grant_role(
        db,
        platform="slack",
        user_id=MAY.user_id,
        role=roles.MANAGER,
        granted_by="t",
        now=clock.now(),
    )
    change = start_board(
        db,
        LEE,
        channel_id=BOARD_CHANNEL,
        question="What slows us down?",
        private=False,
        now=clock.now(),
    )
    return change.board.id


def board_idea(
    db: Database, clock: ManualClock, *, author: Person = ANN, anonymous: bool = False
) -> int:
    submitted = submit_idea(
        db,
        author,
        text="Move the huddle to 9:15",
        anonymous=anonymous,
        channel_id=BOARD_CHANNEL,
        now=clock.now(),
    )
    assert submitted.board is not None
    return submitted.idea.id


def vote(db: Database, clock: ManualClock, voter: Person, idea_id: int) -> None:
    change_vote(db, voter, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())


def answer(
    db: Database,
    clock: ManualClock,
    notifier: SlackPublisher,
    idea_id: int,
    *,
    status: str = PLANNED,
    reply: str | None = "We start next month.",
    person: Person = LEE,
) -> StatusChange:
    return set_idea_status(
        db,
        person,
        idea_id=idea_id,
        status=status,
        reply=reply,
        now=clock.now(),
        notifier=notifier,
    )


def idea_of(db: Database, idea_id: int) -> Idea:
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None
        return idea


def history(db: Database, idea_id: int) -> list[IdeaStatusChange]:
    with db.transaction() as session:
        query = (
            select(IdeaStatusChange)
            .where(IdeaStatusChange.idea_id == idea_id)
            .order_by(IdeaStatusChange.id)
        )
        return list(session.scalars(query))


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def payload_text(row: OutboxMessage) -> str:
    payload = json.loads(row.payload)
    return payload["text"] + " " + json.dumps(payload["blocks"])


def test_lead_answer_stored_with_history(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock)
    first_at = clock.now()

    change = answer(db, clock, notifier, idea_id, reply="  We start next month.  ")

    assert change.changed
    assert change.status == PLANNED
    assert change.reply == "We start next month."
    stored = idea_of(db, idea_id)
    assert stored.status == PLANNED
    assert stored.status_reply == "We start next month."
    assert stored.status_changed_by == LEE.user_id
    assert stored.status_changed_at == first_at

    clock.advance(timedelta(days=3))
    answer(db, clock, notifier, idea_id, status=DONE, reply=None, person=MAY)

    rows = history(db, idea_id)
    assert [(row.status, row.reply) for row in rows] == [
        (PLANNED, "We start next month."),
        (DONE, None),
    ]
    assert [row.changed_by for row in rows] == [LEE.user_id, MAY.user_id]
    assert [row.changed_at for row in rows] == [first_at, first_at + timedelta(days=3)]
    assert idea_of(db, idea_id).status_reply is None
    assert rows[0].id == change.change_id


def test_non_lead_rejected_nothing_stored(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock)
    vote(db, clock, BOB, idea_id)
    # Cat has the team lead role, which does not cover Lee's board.
    roles.grant_role(
        db, platform="slack", user_id=CAT.user_id, role=roles.LEAD, granted_by="t", now=clock.now()
    )

    for person in (ANN, BOB, CAT):
        with pytest.raises(PermissionDenied) as raised:
            answer(db, clock, notifier, idea_id, person=person)
        assert "Only this board's lead or an engagement manager" in raised.value.user_message
        assert "nothing was changed" in raised.value.user_message

    assert idea_of(db, idea_id).status is None
    assert history(db, idea_id) == []
    assert outbox_rows(db) == []


def test_same_answer_and_reply_changes(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock)
    vote(db, clock, BOB, idea_id)
    answer(db, clock, notifier, idea_id)
    clock.advance(timedelta(hours=1))

    again = answer(db, clock, notifier, idea_id)

    assert not again.changed
    assert again.change_id is None
    assert again.recipients == ()
    assert len(history(db, idea_id)) == 1
    assert len(outbox_rows(db)) == 2
    assert idea_of(db, idea_id).status_changed_at == clock.now() - timedelta(hours=1)

    new_reply = answer(db, clock, notifier, idea_id, reply="We start in March.")

    assert new_reply.changed
    assert not new_reply.status_changed
    assert new_reply.recipients == (ANN.user_id, BOB.user_id)
    assert len(history(db, idea_id)) == 2
    rows = outbox_rows(db)
    assert len(rows) == 4
    for row in rows[2:]:
        assert "updated the reply" in payload_text(row)
        assert "now marked" not in payload_text(row)

    cleared = answer(db, clock, notifier, idea_id, reply="  ")

    assert cleared.changed
    assert cleared.recipients == ()
    assert idea_of(db, idea_id).status_reply is None
    assert [row.reply for row in history(db, idea_id)][-1] is None
    assert len(outbox_rows(db)) == 4

    new_status = answer(db, clock, notifier, idea_id, status=DONE, reply=None)

    assert new_status.status_changed
    assert new_status.recipients == (ANN.user_id, BOB.user_id)
    rows = outbox_rows(db)
    assert len(rows) == 6
    for row in rows[4:]:
        assert "now marked Done" in payload_text(row)


def test_author_and_voters_notified_once(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock)
    for voter in (ANN, BOB, CAT):
        vote(db, clock, voter, idea_id)

    change = answer(db, clock, notifier, idea_id)

    assert change.recipients == (ANN.user_id, BOB.user_id, CAT.user_id)
    assert change.author_id == ANN.user_id
    rows = outbox_rows(db)
    assert sorted(row.recipient for row in rows) == [ANN.user_id, BOB.user_id, CAT.user_id]
    assert {row.dedupe_key for row in rows} == {
        f"idea-status:{change.change_id}:{user}" for user in change.recipients
    }
    by_recipient = {row.recipient: payload_text(row) for row in rows}
    assert "Your idea" in by_recipient[ANN.user_id]
    assert "An idea you voted for" in by_recipient[BOB.user_id]
    for text in by_recipient.values():
        assert "Planned" in text
        assert "We start next month." in text
        assert f"<@{LEE.user_id}>" in text
        assert "Move the huddle to 9:15" in text


def test_anonymous_author_not_notified(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock, anonymous=True)
    vote(db, clock, BOB, idea_id)

    change = answer(db, clock, notifier, idea_id)

    assert change.author_id is None
    assert change.recipients == (BOB.user_id,)
    assert [row.recipient for row in outbox_rows(db)] == [BOB.user_id]


def test_lead_not_notified_of_own_answer(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock, author=LEE)
    vote(db, clock, LEE, idea_id)

    change = answer(db, clock, notifier, idea_id)

    assert change.changed
    assert change.recipients == ()
    assert change.author_id is None
    assert outbox_rows(db) == []


def test_closed_board_still_answerable(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock)
    vote(db, clock, BOB, idea_id)
    closed = close_board(db, LEE, channel_id=BOARD_CHANNEL, now=clock.now())
    assert closed.changed

    change = answer(db, clock, notifier, idea_id, status=UNDER_CONSIDERATION, reply=None)

    assert change.changed
    assert idea_of(db, idea_id).status == UNDER_CONSIDERATION
    assert sorted(row.recipient for row in outbox_rows(db)) == [ANN.user_id, BOB.user_id]


def test_link_and_escaping_in_message(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    submitted = submit_idea(
        db, ANN, text="<!channel> rota & <@U_X>", channel_id=BOARD_CHANNEL, now=clock.now()
    )
    idea_id = submitted.idea.id
    record_idea_message(db, idea_id, message_id="1700000000.000100", vote_count=0)

    answer(db, clock, notifier, idea_id, reply="See <https://evil.example|this> & that")

    [row] = outbox_rows(db)
    text = payload_text(row)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; rota &amp; &lt;@U_X&gt;" in text
    assert "&lt;https://evil.example|this&gt; &amp; that" in text
    assert f"/archives/{BOARD_CHANNEL}/p1700000000000100|View the idea>" in text


def test_unknown_idea_not_found(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    with pytest.raises(NotFound):
        answer(db, clock, notifier, 9999)

    assert outbox_rows(db) == []


def test_bad_status_and_reply_rejected(
    db: Database, clock: ManualClock, notifier: SlackPublisher, board_id: int
) -> None:
    idea_id = board_idea(db, clock)
    vote(db, clock, BOB, idea_id)

    with pytest.raises(InvalidInput) as bad_status:
        answer(db, clock, notifier, idea_id, status="maybe")
    with pytest.raises(InvalidInput) as long_reply:
        answer(db, clock, notifier, idea_id, reply="x" * (MAX_REPLY_LENGTH + 1))

    assert bad_status.value.field == "status"
    assert "'maybe' is not a status" in bad_status.value.user_message
    assert "not_taken_forward (Not taken forward)" in bad_status.value.user_message
    assert long_reply.value.field == "reply"
    assert f"the maximum is {MAX_REPLY_LENGTH}" in long_reply.value.user_message
    assert idea_of(db, idea_id).status is None
    assert history(db, idea_id) == []
    assert outbox_rows(db) == []

    longest = answer(db, clock, notifier, idea_id, reply="y" * MAX_REPLY_LENGTH)
    blank = answer(db, clock, notifier, idea_id, reply="   ")

    assert longest.reply == "y" * MAX_REPLY_LENGTH
    assert blank.reply is None
    assert idea_of(db, idea_id).status_reply is None
