"""Tests of held posts: holding a draft, deciding once, posting anyway and hidden thread replies."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core.campaigns import create_campaign, open_campaign
from bot.core.checks.findings import NHS_NUMBER, WHISTLEBLOWING, Finding
from bot.core.checks.post_checks import PostChecks
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.held_posts import (
    IDEA,
    get_held_post,
    hide_thread_reply,
    hold_post,
    post_held_idea,
    release_held_in,
    remove_expired_held_posts,
    take_held_post,
)
from bot.core.ideas import submit_idea
from bot.core.records import Person
from bot.core.roles import grant_role
from storage.database import Database
from storage.models import Comment, HeldPost, Idea, ModerationItem, OutboxMessage

LONDON = ZoneInfo("Europe/London")
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")
FINDINGS = (Finding(NHS_NUMBER, 1), Finding(WHISTLEBLOWING, 1))


@pytest.fixture
def campaign_channel(db: Database, clock: ManualClock) -> str:
    campaign = create_campaign(
        db, title="Ideas", channel_id="C1", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    return "C1"


def count(db: Database, model: type) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_scan_finds_across_fields() -> None:
    checks = PostChecks()

    findings = checks.scan("Wristband 943 476 5919", "They tried to cover up the error")

    assert findings == FINDINGS


def test_held_draft_decided_once(db: Database, clock: ManualClock) -> None:
    draft = hold_post(db, ANN, kind=IDEA, payload={"text": "x"}, findings=FINDINGS, now=clock.now())

    with pytest.raises(PermissionDenied):
        take_held_post(db, BOB, held_id=draft.id, now=clock.now())
    taken = take_held_post(db, ANN, held_id=draft.id, now=clock.now())

    assert taken.payload == {"text": "x"}
    assert taken.findings == FINDINGS
    with pytest.raises(NotFound, match="already posted, withdrawn"):
        take_held_post(db, ANN, held_id=draft.id, now=clock.now())


def test_held_draft_expires(db: Database, clock: ManualClock) -> None:
    old = hold_post(db, ANN, kind=IDEA, payload={}, findings=FINDINGS, now=clock.now())
    clock.advance(timedelta(hours=24))

    with pytest.raises(NotFound):
        get_held_post(db, ANN, held_id=old.id, now=clock.now())
    hold_post(db, BOB, kind=IDEA, payload={}, findings=FINDINGS, now=clock.now())

    # Holding a new draft deleted the expired one.
    assert count(db, HeldPost) == 1


def test_expired_drafts_removed_without_a_new_one(db: Database, clock: ManualClock) -> None:
    hold_post(db, ANN, kind=IDEA, payload={}, findings=FINDINGS, now=clock.now())
    assert remove_expired_held_posts(db, now=clock.now()) == 0
    clock.advance(timedelta(hours=24))

    # The scheduler's cleanup job calls this, so no draft outlives its day.
    assert remove_expired_held_posts(db, now=clock.now()) == 1
    assert count(db, HeldPost) == 0


def test_post_anyway_flags_idea(db: Database, clock: ManualClock, campaign_channel: str) -> None:
    payload = {"text": "Wristband 943 476 5919", "channel_id": campaign_channel}
    draft = hold_post(db, ANN, kind=IDEA, payload=payload, findings=FINDINGS, now=clock.now())

    submitted = post_held_idea(db, ANN, held_id=draft.id, now=clock.now())

    with db.transaction() as session:
        idea = session.get(Idea, submitted.idea.id)
        assert idea is not None
        assert idea.checks_overridden == "personal_data,concern"
        sources = session.scalars(
            select(ModerationItem.source).where(ModerationItem.item_id == idea.id)
        ).all()
    assert sorted(sources) == ["concern", "personal_data"]
    assert count(db, HeldPost) == 0
    with pytest.raises(NotFound):
        post_held_idea(db, ANN, held_id=draft.id, now=clock.now())
    assert count(db, Idea) == 1


def test_post_anyway_that_fails_keeps_the_draft(
    db: Database, clock: ManualClock, campaign_channel: str
) -> None:
    # A topic of no campaign: storing the idea fails after the draft was looked up.
    payload = {"text": "Call 07700 900123", "channel_id": campaign_channel, "topic_id": 999}
    draft = hold_post(db, ANN, kind=IDEA, payload=payload, findings=FINDINGS, now=clock.now())

    with pytest.raises(InvalidInput):
        post_held_idea(db, ANN, held_id=draft.id, now=clock.now())

    # Nothing half-stored: no idea, no flag, and the same draft with the same buttons.
    assert (count(db, Idea), count(db, ModerationItem)) == (0, 0)
    assert get_held_post(db, ANN, held_id=draft.id, now=clock.now()).payload == payload


def test_thread_reply_hidden_and_reported(
    db: Database, clock: ManualClock, campaign_channel: str
) -> None:
    for manager in ("U_M1", "U_M2"):
        grant_role(
            db, platform="slack", user_id=manager, role="manager", granted_by="cli", now=clock.now()
        )
    idea_id = submit_idea(db, ANN, text="An idea", channel_id="C1", now=clock.now()).idea.id

    def hide(event_id: str) -> int | None:
        return hide_thread_reply(
            db,
            BOB,
            idea_id=idea_id,
            message_id="1700000000.000500",
            author_message="Please delete your reply",
            manager_message="A reply contains personal data",
            now=clock.now(),
            event_id=event_id,
        )

    comment_id = hide("Ev1")
    assert hide("Ev1") is None

    with db.transaction() as session:
        comment = session.get(Comment, comment_id)
        assert comment is not None
        assert comment.text == ""
        assert comment.hidden_by == "check"
        idea = session.get(Idea, idea_id)
        assert idea is not None
        assert idea.comment_count == 0
        recipients = session.scalars(select(OutboxMessage.recipient)).all()
        flags = session.scalars(select(ModerationItem.source)).all()
    assert sorted(recipients) == ["U_BOB", "U_M1", "U_M2"]
    assert flags == ["thread_personal_data"]


def test_edit_replaces_its_draft_once(
    db: Database, clock: ManualClock, campaign_channel: str
) -> None:
    payload = {"text": "Call 07700 900123", "channel_id": campaign_channel}
    draft = hold_post(db, ANN, kind=IDEA, payload=payload, findings=FINDINGS, now=clock.now())

    def edited(person: Person) -> None:
        submit_idea(
            db,
            person,
            text="Call the ward clerk",
            channel_id=campaign_channel,
            now=clock.now(),
            also=lambda session, _: release_held_in(
                session, person, held_id=draft.id, now=clock.now()
            ),
        )

    # Another person's form naming Ann's draft stores nothing and leaves the draft.
    with pytest.raises(PermissionDenied):
        edited(BOB)
    assert (count(db, Idea), count(db, HeldPost)) == (0, 1)
    edited(ANN)
    # A second submission of the same form, as a double click sends, stores nothing more.
    with pytest.raises(NotFound):
        edited(ANN)
    assert (count(db, Idea), count(db, HeldPost)) == (1, 0)


def test_decided_draft_id_not_given_to_the_next(db: Database, clock: ManualClock) -> None:
    first = hold_post(db, ANN, kind=IDEA, payload={"text": "a"}, findings=FINDINGS, now=clock.now())
    take_held_post(db, ANN, held_id=first.id, now=clock.now())
    second = hold_post(
        db, ANN, kind=IDEA, payload={"text": "b"}, findings=FINDINGS, now=clock.now()
    )

    # A stale button or form naming the first draft must not act on the second.
    assert second.id != first.id
    with pytest.raises(NotFound):
        get_held_post(db, ANN, held_id=first.id, now=clock.now())
