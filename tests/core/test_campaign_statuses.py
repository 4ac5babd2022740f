"""Tests of answering campaign and standing-list ideas: who may, the owner, refusals, statistics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.core import roles
from bot.core.answer_stats import answer_stats, campaign_answer_stats
from bot.core.boards import start_board
from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.export_tables import idea_table
from bot.core.ideas import submit_idea
from bot.core.moderation import ItemRef, hide_item
from bot.core.records import Person
from bot.core.report import campaign_report
from bot.core.statuses import (
    DONE,
    FINAL_STATUSES,
    IN_PROGRESS,
    MAX_OWNER_LENGTH,
    NOT_TAKEN_FORWARD,
    PLANNED,
    STATUS_LABELS,
    UNDER_CONSIDERATION,
    StatusChange,
    parse_status,
    set_idea_status,
)
from bot.core.votes import VoteChange, change_vote
from bot.simulate.slack_standin import SlackStandIn
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from storage.database import Database
from storage.models import Idea, IdeaStatusChange, OutboxMessage

LONDON = ZoneInfo("Europe/London")
TOKEN = "xoxb-campaign-status-test"
CAMPAIGN_CHANNEL = "C0CAMPAIGN"
MAY = Person("slack", "T1", "U_MAY", "May")  # an engagement manager
LEE = Person("slack", "T1", "U_LEE", "Lee")  # a board's lead, not a manager
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")


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
def campaign_id(db: Database, clock: ManualClock) -> int:
    """An open campaign in CAMPAIGN_CHANNEL; May is a manager and Lee leads a board."""
    for person, role in ((MAY, roles.MANAGER), (LEE, roles.LEAD)):
        roles.grant_role(
            db, platform="slack", user_id=person.user_id, role=role, granted_by="t", now=clock.now()
        )
    start_board(
        db, LEE, channel_id="C0TEAM", question="What slows us down?", private=False, now=clock.now()
    )
    campaign = create_campaign(
        db,
        title="Winter",
        channel_id=CAMPAIGN_CHANNEL,
        starts="now",
        timezone=LONDON,
        now=clock.now(),
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    return campaign.id


def campaign_idea(db: Database, clock: ManualClock, *, text: str = "Warmer break room") -> int:
    submitted = submit_idea(db, ANN, text=text, channel_id=CAMPAIGN_CHANNEL, now=clock.now())
    assert submitted.campaign is not None
    return submitted.idea.id


def answer(
    db: Database,
    clock: ManualClock,
    notifier: SlackPublisher,
    idea_id: int,
    *,
    status: str = PLANNED,
    reply: str | None = "Heaters ordered.",
    owner: str | None = "Estates team",
    person: Person = MAY,
) -> StatusChange:
    return set_idea_status(
        db,
        person,
        idea_id=idea_id,
        status=status,
        reply=reply,
        owner=owner,
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
        query = select(IdeaStatusChange).where(IdeaStatusChange.idea_id == idea_id)
        return list(session.scalars(query.order_by(IdeaStatusChange.id)))


def outbox_rows(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_statuses_in_menu_order() -> None:
    assert list(STATUS_LABELS) == [
        UNDER_CONSIDERATION,
        PLANNED,
        IN_PROGRESS,
        DONE,
        NOT_TAKEN_FORWARD,
    ]
    assert STATUS_LABELS[IN_PROGRESS] == "In progress"
    assert IN_PROGRESS not in FINAL_STATUSES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in_progress", IN_PROGRESS),
        ("In progress", IN_PROGRESS),
        ("  IN   PROGRESS ", IN_PROGRESS),
        ("not taken forward", NOT_TAKEN_FORWARD),
        ("Done", DONE),
        ("finished", None),
        ("", None),
    ],
)
def test_parse_status_names_and_labels(text: str, expected: str | None) -> None:
    assert parse_status(text) == expected


def test_manager_answers_open_campaign_idea(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock)
    change_vote(db, BOB, idea_id=idea_id, change=VoteChange.CAST, now=clock.now())

    change = answer(db, clock, notifier, idea_id, owner="  Director   of Nursing ")

    assert change.changed
    assert change.owner == "Director of Nursing"
    assert change.recipients == (ANN.user_id, BOB.user_id)
    stored = idea_of(db, idea_id)
    assert stored.status == PLANNED
    assert stored.status_owner == "Director of Nursing"
    assert [(row.status, row.owner) for row in history(db, idea_id)] == [
        (PLANNED, "Director of Nursing")
    ]
    rows = outbox_rows(db)
    assert sorted(row.recipient for row in rows) == [ANN.user_id, BOB.user_id]
    payload = json.loads(rows[0].payload)
    assert "Owner: Director of Nursing" in json.dumps(payload["blocks"])


def test_manager_answers_closed_campaign_idea(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock)
    # Campaigns run 20 days by default.
    clock.advance(timedelta(days=21))
    assert close_campaign(db, campaign_id, now=clock.now()) is not None
    clock.advance(timedelta(days=10))

    change = answer(db, clock, notifier, idea_id, status=IN_PROGRESS)

    assert change.changed
    assert change.idea.campaign_open is False
    assert idea_of(db, idea_id).status == IN_PROGRESS
    assert [row.recipient for row in outbox_rows(db)] == [ANN.user_id]


def test_only_managers_answer_campaign_and_standing_ideas(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    in_campaign = campaign_idea(db, clock)
    # Ideas go to the open campaign, so the standing-list idea comes after the close.
    clock.advance(timedelta(days=21))
    assert close_campaign(db, campaign_id, now=clock.now()) is not None
    standing = submit_idea(db, ANN, text="Standing idea", channel_id="C0OTHER", now=clock.now())
    assert standing.campaign is None
    assert standing.board is None

    for idea_id, where in ((in_campaign, "campaign ideas"), (standing.idea.id, "standing list")):
        for person in (LEE, BOB):
            with pytest.raises(PermissionDenied) as denied:
                answer(db, clock, notifier, idea_id, person=person)
            assert "Only an engagement manager" in denied.value.user_message
            assert where in denied.value.user_message
        assert idea_of(db, idea_id).status is None
        assert history(db, idea_id) == []
    assert outbox_rows(db) == []

    change = answer(db, clock, notifier, standing.idea.id, status=DONE)

    assert change.changed
    assert idea_of(db, standing.idea.id).status == DONE


def test_hidden_and_withdrawn_ideas_refused(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    hidden = campaign_idea(db, clock, text="Hidden one")
    withdrawn = campaign_idea(db, clock, text="Withdrawn one")
    hide_item(db, MAY, ItemRef("idea", hidden), now=clock.now())
    with db.transaction() as session:
        session.execute(update(Idea).where(Idea.id == withdrawn).values(withdrawn_at=clock.now()))

    with pytest.raises(InvalidInput) as hidden_error:
        answer(db, clock, notifier, hidden)
    with pytest.raises(InvalidInput) as withdrawn_error:
        answer(db, clock, notifier, withdrawn)

    assert "hidden by a moderator" in hidden_error.value.user_message
    assert "Restore it" in hidden_error.value.user_message
    assert "withdrawn by its author" in withdrawn_error.value.user_message
    for idea_id in (hidden, withdrawn):
        assert idea_of(db, idea_id).status is None
        assert history(db, idea_id) == []
    assert [row for row in outbox_rows(db) if row.dedupe_key.startswith("idea-status")] == []


def test_owner_change_alone_recorded_silently(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock)
    answer(db, clock, notifier, idea_id)
    sent_before = len(outbox_rows(db))

    moved = answer(db, clock, notifier, idea_id, owner="Facilities")
    removed = answer(db, clock, notifier, idea_id, owner=None)
    again = answer(db, clock, notifier, idea_id, owner="")

    assert moved.changed
    assert moved.owner_changed
    assert moved.recipients == ()
    assert removed.changed
    assert removed.owner is None
    assert again.changed is False
    assert [row.owner for row in history(db, idea_id)] == ["Estates team", "Facilities", None]
    assert idea_of(db, idea_id).status_owner is None
    assert len(outbox_rows(db)) == sent_before


def test_owner_too_long_rejected(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock)

    with pytest.raises(InvalidInput) as raised:
        answer(db, clock, notifier, idea_id, owner="x" * (MAX_OWNER_LENGTH + 1))
    longest = answer(db, clock, notifier, idea_id, owner="y" * MAX_OWNER_LENGTH)

    assert raised.value.field == "owner"
    assert f"the maximum is {MAX_OWNER_LENGTH}" in raised.value.user_message
    assert longest.owner == "y" * MAX_OWNER_LENGTH
    assert len(history(db, idea_id)) == 1


def test_answer_stats_count_visible_ideas(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    first = campaign_idea(db, clock, text="First")
    second = campaign_idea(db, clock, text="Second")
    third = campaign_idea(db, clock, text="Third")
    campaign_idea(db, clock, text="Never answered")
    hidden = campaign_idea(db, clock, text="Hidden")
    hide_item(db, MAY, ItemRef("idea", hidden), now=clock.now())
    clock.advance(timedelta(days=2))
    answer(db, clock, notifier, first, status=DONE)
    clock.advance(timedelta(days=2))
    answer(db, clock, notifier, second)
    # A later change does not move the first answer.
    clock.advance(timedelta(days=6))
    answer(db, clock, notifier, first, status=NOT_TAKEN_FORWARD)
    answer(db, clock, notifier, third, status=DONE)

    stats = answer_stats(db, campaign_id=campaign_id)

    assert stats.idea_count == 4
    assert stats.answered_count == 3
    assert stats.done_count == 1
    # First answers after 2, 4 and 10 days.
    assert stats.median_days_to_answer == pytest.approx(4.0)
    listed = campaign_answer_stats(db)
    assert [(campaign.id, row.answered_count) for campaign, row in listed] == [(campaign_id, 3)]


def test_answer_stats_without_answers(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    campaign_idea(db, clock)

    stats = answer_stats(db, campaign_id=campaign_id)

    assert stats.idea_count == 1
    assert stats.answered_count == 0
    assert stats.median_days_to_answer is None


def test_report_and_export_carry_answers(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    answered = campaign_idea(db, clock, text="Answered")
    campaign_idea(db, clock, text="Waiting")
    clock.advance(timedelta(days=3))
    answer(db, clock, notifier, answered, status=DONE)
    answered_at = clock.now()

    report = campaign_report(db, campaign_id, timezone=LONDON)
    with db.transaction() as session:
        table = idea_table(session, campaign_id, timezone=LONDON)
        headings = [column.heading for column in table.columns]
        rows = {row[0]: dict(zip(headings, row, strict=True)) for row in table.rows}

    assert report.answers is not None
    assert report.answers.answered_count == 1
    assert report.answers.median_days_to_answer == pytest.approx(3.0)
    assert rows[answered]["Status"] == "Done"
    assert rows[answered]["Status reply"] == "Heaters ordered."
    assert rows[answered]["Status owner"] == "Estates team"
    assert rows[answered]["First answered at"] == answered_at
    waiting = next(row for idea_id, row in rows.items() if idea_id != answered)
    assert waiting["First answered at"] is None
    assert waiting["Status owner"] == ""
    assert waiting["Status"] == "Not answered yet"


def test_owner_kept_when_not_given(
    db: Database, clock: ManualClock, notifier: SlackPublisher, campaign_id: int
) -> None:
    idea_id = campaign_idea(db, clock)
    answer(db, clock, notifier, idea_id, owner="Estates team")

    change = set_idea_status(
        db, MAY, idea_id=idea_id, status=DONE, reply=None, now=clock.now(), notifier=notifier
    )

    assert change.owner == "Estates team"
    assert idea_of(db, idea_id).status_owner == "Estates team"
    assert [row.owner for row in history(db, idea_id)] == ["Estates team", "Estates team"]
