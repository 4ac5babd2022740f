"""Moderation: reports, the queue, hiding and restoring, and what hidden items leave out."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core import moderation
from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment, delete_comment
from bot.core.digest import build_digest
from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.ideas import export_ideas, get_idea, submit_idea
from bot.core.moderation import ItemRef
from bot.core.records import Person
from bot.core.report import campaign_report
from bot.core.roles import grant_role
from bot.core.summary import campaign_summary
from bot.core.votes import VoteChange, change_vote
from handlers.blocks.moderation import SlackRelayRenderer
from storage import comments as comment_store
from storage import export as export_store
from storage import ideas as idea_store
from storage import moderation as moderation_store
from storage.database import Database
from storage.models import OutboxMessage

LONDON = ZoneInfo("Europe/London")
MANAGER = Person("slack", "T1", "UMANAGER")


def person(user_id: str) -> Person:
    return Person("slack", "T1", user_id, f"Name {user_id}")


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A SQLite database only, for tests whose SQL is the same on both backends."""
    path = tmp_path / "moderation.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def seed(db: Database, clock: ManualClock) -> tuple[int, int, int, int]:
    """Store an open campaign with two ideas, two votes and a comment on each idea.

    Returns (campaign id, first idea id, second idea id, comment id on the first idea).
    """
    grant_role(
        db, platform="slack", user_id=MANAGER.user_id, role="manager", granted_by="cli",
        now=clock.now(),
    )  # fmt: skip
    campaign = create_campaign(
        db, title="Your voice", channel_id="C1", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    first = submit_idea(db, person("U1"), text="Move the huddle", channel_id="C1", now=clock.now())
    second = submit_idea(db, person("U2"), text="Fix the rota", channel_id="C1", now=clock.now())
    for voter, idea in (("U3", first), ("U4", second)):
        change_vote(
            db, person(voter), idea_id=idea.idea.id, change=VoteChange.CAST, now=clock.now()
        )
    add_comment(
        db, person("U5"), idea_id=first.idea.id, message_id="1.1", text="Yes", now=clock.now()
    )
    add_comment(
        db, person("U6"), idea_id=second.idea.id, message_id="1.2", text="No", now=clock.now()
    )
    with db.transaction() as session:
        idea_store.set_idea_message(session, first.idea.id, message_id="1.0", vote_count=1)
        stored = comment_store.get_comment(session, idea_id=first.idea.id, message_id="1.1")
        assert stored is not None
        comment_id = stored.id
    return campaign.id, first.idea.id, second.idea.id, comment_id


def report(db: Database, clock: ManualClock, reporter: str, ref: ItemRef, reason: str) -> bool:
    return moderation.report_item(
        db, person(reporter), ref, reason=reason, now=clock.now(), anon_key=None
    )


def test_report_stored_once_per_person(db: Database, clock: ManualClock) -> None:
    _, idea_id, _, _ = seed(db, clock)
    ref = ItemRef("idea", idea_id)

    assert report(db, clock, "U7", ref, "Names a patient") is True
    assert report(db, clock, "U7", ref, "Names a patient, again") is False
    assert report(db, clock, "U8", ref, "Rude") is True

    queue = moderation.moderation_queue(db, MANAGER)
    assert len(queue) == 1
    assert queue[0].report_count == 2
    assert queue[0].reasons == ("Names a patient", "Rude")


def test_first_report_notifies_managers(sqlite_db: Database, clock: ManualClock) -> None:
    _, idea_id, _, _ = seed(sqlite_db, clock)
    ref = ItemRef("idea", idea_id)

    def notify(reporter: str) -> None:
        moderation.report_item(
            sqlite_db,
            person(reporter),
            ref,
            reason="Rude",
            now=clock.now(),
            anon_key=None,
            notifier=SlackRelayRenderer(),
        )

    def recipients() -> list[str]:
        with sqlite_db.transaction() as session:
            return list(session.scalars(select(OutboxMessage.recipient)))

    notify("U7")
    notify("U8")
    assert recipients() == [MANAGER.user_id]

    moderation.dismiss_item(sqlite_db, MANAGER, ref, now=clock.now())
    notify("U9")
    assert recipients() == [MANAGER.user_id, MANAGER.user_id]


def test_report_reason_checked(sqlite_db: Database, clock: ManualClock) -> None:
    _, idea_id, _, _ = seed(sqlite_db, clock)
    ref = ItemRef("idea", idea_id)

    with pytest.raises(InvalidInput):
        report(sqlite_db, clock, "U7", ref, "   ")
    with pytest.raises(InvalidInput):
        report(sqlite_db, clock, "U7", ref, "x" * 501)
    with sqlite_db.transaction() as session:
        assert moderation_store.list_open_items(session, limit=10) == []


def test_queue_oldest_first(sqlite_db: Database, clock: ManualClock) -> None:
    _, first, second, comment_id = seed(sqlite_db, clock)
    report(sqlite_db, clock, "U7", ItemRef("idea", second), "Off topic")
    clock.advance(timedelta(minutes=1))
    report(sqlite_db, clock, "U7", ItemRef("comment", comment_id), "Rude")
    clock.advance(timedelta(minutes=1))
    report(sqlite_db, clock, "U8", ItemRef("idea", first), "Names a patient")
    report(sqlite_db, clock, "U9", ItemRef("idea", second), "Duplicate")

    queue = moderation.moderation_queue(sqlite_db, MANAGER)

    assert [entry.item.ref for entry in queue] == [
        ItemRef("idea", second),
        ItemRef("comment", comment_id),
        ItemRef("idea", first),
    ]
    assert queue[0].report_count == 2
    assert queue[1].item.idea_id == first
    assert queue[1].item.thread_id == "1.0"


def test_locate_idea_and_comment(sqlite_db: Database, clock: ManualClock) -> None:
    _, first, _, comment_id = seed(sqlite_db, clock)

    def locate(message_id: str, thread_id: str | None) -> ItemRef | None:
        return moderation.locate_item(
            sqlite_db, platform="slack", channel_id="C1", message_id=message_id, thread_id=thread_id
        )

    assert locate("1.0", None) == ItemRef("idea", first)
    assert locate("1.1", "1.0") == ItemRef("comment", comment_id)
    assert locate("1.1", None) is None
    assert locate("9.9", "1.0") is None


def test_only_managers_moderate(sqlite_db: Database, clock: ManualClock) -> None:
    _, idea_id, _, _ = seed(sqlite_db, clock)

    with pytest.raises(PermissionDenied):
        moderation.moderation_queue(sqlite_db, person("U1"))
    with pytest.raises(PermissionDenied):
        moderation.hide_item(sqlite_db, person("U1"), ItemRef("idea", idea_id), now=clock.now())
    assert get_idea(sqlite_db, idea_id).hidden is False


def outputs(db: Database, clock: ManualClock, campaign_id: int) -> dict[str, object]:
    """Collect what the report, summary, digest, export and idea list show of a campaign."""
    report_ = campaign_report(db, campaign_id, timezone=LONDON)
    summary = campaign_summary(db, campaign_id)
    digest = build_digest(
        db,
        campaign_id,
        day=clock.now().date(),
        now=clock.now() + timedelta(minutes=1),
        staff_count=None,
        timezone=LONDON,
    )
    with export_store.read_snapshot(db) as session:
        exported_ideas = export_store.count_ideas(session, campaign_id)
        exported_comments = export_store.count_comments(session, campaign_id)
    return {
        "report": (
            report_.totals.idea_count,
            report_.totals.vote_count,
            report_.totals.comment_count,
        ),
        "summary": (summary.idea_count, summary.vote_count, summary.comment_count),
        "top": tuple(idea.idea_id for idea in summary.top_ideas),
        "digest": (
            digest.activity.idea_count,
            digest.activity.comment_count,
            digest.activity.vote_count,
        ),
        "export": (exported_ideas, exported_comments),
        "ideas": tuple(row["id"] for row in export_ideas(db, campaign_id=campaign_id)),
    }


def test_hide_leaves_outputs_and_restore_returns(db: Database, clock: ManualClock) -> None:
    campaign_id, first, second, comment_id = seed(db, clock)
    report(db, clock, "U7", ItemRef("idea", first), "Names a patient")
    before = outputs(db, clock, campaign_id)
    assert before["report"] == (2, 2, 2)

    hidden = moderation.hide_item(db, MANAGER, ItemRef("idea", first), now=clock.now())

    assert hidden.changed is True
    assert hidden.entry_count == 1
    assert moderation.moderation_queue(db, MANAGER) == []
    assert get_idea(db, first).hidden is True
    after = outputs(db, clock, campaign_id)
    assert after["report"] == (1, 1, 1)
    assert after["summary"] == (1, 1, 1)
    assert after["top"] == (second,)
    assert after["digest"] == (1, 1, 1)
    assert after["export"] == (1, 1)
    assert after["ideas"] == (second,)

    restored = moderation.restore_item(db, MANAGER, ItemRef("idea", first), now=clock.now())

    assert restored.changed is True
    assert outputs(db, clock, campaign_id) == before
    assert [entry.status for entry in _entries(db, "idea", first)] == ["restored"]

    moderation.hide_item(db, MANAGER, ItemRef("comment", comment_id), now=clock.now())
    assert get_idea(db, first).comment_count == 0
    assert outputs(db, clock, campaign_id)["report"] == (2, 2, 1)
    assert outputs(db, clock, campaign_id)["export"] == (2, 1)
    moderation.restore_item(db, MANAGER, ItemRef("comment", comment_id), now=clock.now())
    assert get_idea(db, first).comment_count == 1


def _entries(db: Database, kind: str, item_id: int) -> list[moderation_store.ModerationItem]:
    with db.transaction() as session:
        rows = moderation_store.list_items_of(session, item_kind=kind, item_id=item_id)
        session.expunge_all()
        return rows


def test_dismiss_keeps_item_shown(sqlite_db: Database, clock: ManualClock) -> None:
    _, idea_id, _, _ = seed(sqlite_db, clock)
    report(sqlite_db, clock, "U7", ItemRef("idea", idea_id), "Off topic")

    result = moderation.dismiss_item(sqlite_db, MANAGER, ItemRef("idea", idea_id), now=clock.now())

    assert result.entry_count == 1
    assert get_idea(sqlite_db, idea_id).hidden is False
    assert moderation.moderation_queue(sqlite_db, MANAGER) == []


def test_vote_on_hidden_idea_refused(sqlite_db: Database, clock: ManualClock) -> None:
    _, idea_id, _, _ = seed(sqlite_db, clock)
    moderation.hide_item(sqlite_db, MANAGER, ItemRef("idea", idea_id), now=clock.now())

    result = change_vote(
        sqlite_db, person("U9"), idea_id=idea_id, change=VoteChange.CAST, now=clock.now()
    )

    assert result.rejected_hidden is True
    assert result.changed is False
    assert get_idea(sqlite_db, idea_id).vote_count == 1


def test_deleting_hidden_comment_counts_once(sqlite_db: Database, clock: ManualClock) -> None:
    _, idea_id, _, comment_id = seed(sqlite_db, clock)
    moderation.hide_item(sqlite_db, MANAGER, ItemRef("comment", comment_id), now=clock.now())

    delete_comment(sqlite_db, person("U5"), idea_id=idea_id, message_id="1.1", now=clock.now())
    assert get_idea(sqlite_db, idea_id).comment_count == 0

    moderation.restore_item(sqlite_db, MANAGER, ItemRef("comment", comment_id), now=clock.now())
    assert get_idea(sqlite_db, idea_id).comment_count == 0
