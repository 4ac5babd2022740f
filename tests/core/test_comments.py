"""Tests of comments: storing replies once, following edits and deletions, and the count."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.core.campaigns import create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.comments import add_comment, delete_comment, edit_comment
from bot.core.ideas import submit_idea
from bot.core.records import Person
from storage.database import Database
from storage.models import Comment, Idea

LONDON = ZoneInfo("Europe/London")
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")
REPLY = "1700000000.000500"
Result = TypeVar("Result")


@pytest.fixture
def idea_id(db: Database, clock: ManualClock) -> int:
    """An idea in an open campaign in channel C1."""
    campaign = create_campaign(
        db, title="Ideas", channel_id="C1", starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    return submit_idea(db, ANN, text="An idea", channel_id="C1", now=clock.now()).idea.id


def add(
    db: Database,
    clock: ManualClock,
    idea_id: int,
    *,
    message_id: str = REPLY,
    text: str = "Good idea",
    commenter: Person = BOB,
    event_id: str | None = None,
) -> bool:
    return add_comment(
        db,
        commenter,
        idea_id=idea_id,
        message_id=message_id,
        text=text,
        now=clock.now(),
        event_id=event_id,
    )


def edit(
    db: Database, clock: ManualClock, idea_id: int, *, text: str, message_id: str = REPLY
) -> bool:
    return edit_comment(db, BOB, idea_id=idea_id, message_id=message_id, text=text, now=clock.now())


def delete(
    db: Database,
    clock: ManualClock,
    idea_id: int,
    *,
    message_id: str = REPLY,
    event_id: str | None = None,
) -> bool:
    return delete_comment(
        db,
        BOB,
        idea_id=idea_id,
        message_id=message_id,
        now=clock.now(),
        event_id=event_id,
    )


def stored_comment(db: Database, idea_id: int, message_id: str = REPLY) -> Comment:
    with db.transaction() as session:
        comment = session.scalar(
            select(Comment).where(Comment.idea_id == idea_id, Comment.message_id == message_id)
        )
        assert comment is not None
        return comment


def comment_count(db: Database, idea_id: int) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(Idea.comment_count).where(Idea.id == idea_id)) or 0)


def comment_rows(db: Database, idea_id: int, *, live_only: bool = False) -> int:
    query = select(func.count()).select_from(Comment).where(Comment.idea_id == idea_id)
    if live_only:
        query = query.where(Comment.deleted_at.is_(None))
    with db.transaction() as session:
        return int(session.scalar(query) or 0)


def run_together(count: int, action: Callable[[int], Result]) -> list[Result]:
    """Run action(0) .. action(count - 1) in threads released at the same moment."""
    barrier = threading.Barrier(count)

    def run(index: int) -> Result:
        barrier.wait(timeout=30)
        return action(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_add_stores(db: Database, clock: ManualClock, idea_id: int) -> None:
    assert add(db, clock, idea_id, text="Good idea")

    comment = stored_comment(db, idea_id)
    assert comment.text == "Good idea"
    assert comment.user_id == "U_BOB"
    assert comment.team_id == "T1"
    assert comment.platform == "slack"
    assert comment.created_at == clock.now()
    assert comment.edited_at is None
    assert comment.deleted_at is None
    assert comment_count(db, idea_id) == 1


def test_add_twice_stores_once(db: Database, clock: ManualClock, idea_id: int) -> None:
    assert add(db, clock, idea_id)
    assert not add(db, clock, idea_id, text="Different text, same reply")

    assert comment_rows(db, idea_id) == 1
    assert comment_count(db, idea_id) == 1
    assert stored_comment(db, idea_id).text == "Good idea"


def test_add_several(db: Database, clock: ManualClock, idea_id: int) -> None:
    for n in range(3):
        assert add(db, clock, idea_id, message_id=f"1700000000.00060{n}")

    assert comment_rows(db, idea_id) == 3
    assert comment_count(db, idea_id) == 3


def test_add_redelivered_event(db: Database, clock: ManualClock, idea_id: int) -> None:
    assert add(db, clock, idea_id, message_id="1700000000.000601", event_id="Ev1")

    assert not add(db, clock, idea_id, message_id="1700000000.000602", event_id="Ev1")
    assert comment_rows(db, idea_id) == 1


def test_edit_changes_text(db: Database, clock: ManualClock, idea_id: int) -> None:
    add(db, clock, idea_id, text="Good idea")
    created_at = clock.now()
    clock.advance(timedelta(minutes=3))

    assert edit(db, clock, idea_id, text="Great idea")

    comment = stored_comment(db, idea_id)
    assert comment.text == "Great idea"
    assert comment.edited_at == clock.now()
    assert comment.created_at == created_at
    assert comment_count(db, idea_id) == 1


def test_edit_same_text(db: Database, clock: ManualClock, idea_id: int) -> None:
    add(db, clock, idea_id, text="Good idea")
    clock.advance(timedelta(minutes=1))

    assert not edit(db, clock, idea_id, text="Good idea")
    assert stored_comment(db, idea_id).edited_at is None


def test_edit_unknown_stores(db: Database, clock: ManualClock, idea_id: int) -> None:
    assert edit(db, clock, idea_id, text="Written while the bot was down")

    comment = stored_comment(db, idea_id)
    assert comment.text == "Written while the bot was down"
    assert comment.user_id == "U_BOB"
    assert comment_rows(db, idea_id) == 1
    assert comment_count(db, idea_id) == 1


def test_edit_after_delete(db: Database, clock: ManualClock, idea_id: int) -> None:
    add(db, clock, idea_id, text="Good idea")
    assert delete(db, clock, idea_id)
    clock.advance(timedelta(minutes=1))

    assert not edit(db, clock, idea_id, text="Brought back")

    comment = stored_comment(db, idea_id)
    assert comment.text == ""
    assert comment.deleted_at is not None
    assert comment_count(db, idea_id) == 0


def test_delete_clears(db: Database, clock: ManualClock, idea_id: int) -> None:
    add(db, clock, idea_id, text="Good idea")
    add(db, clock, idea_id, message_id="1700000000.000700", text="Kept")
    clock.advance(timedelta(minutes=1))

    assert delete(db, clock, idea_id)

    comment = stored_comment(db, idea_id)
    assert comment.text == ""
    assert comment.deleted_at == clock.now()
    assert comment_count(db, idea_id) == 1
    assert stored_comment(db, idea_id, "1700000000.000700").text == "Kept"


def test_delete_twice(db: Database, clock: ManualClock, idea_id: int) -> None:
    add(db, clock, idea_id)
    first_delete = clock.now()
    assert delete(db, clock, idea_id)
    clock.advance(timedelta(minutes=1))

    assert not delete(db, clock, idea_id)

    assert comment_count(db, idea_id) == 0
    assert stored_comment(db, idea_id).deleted_at == first_delete


def test_delete_unknown(db: Database, clock: ManualClock, idea_id: int) -> None:
    assert not delete(db, clock, idea_id, message_id="1700000000.999999")
    assert comment_count(db, idea_id) == 0


def test_edit_after_unknown_delete(db: Database, clock: ManualClock, idea_id: int) -> None:
    # The deletion of a reply the bot never stored arrives before an edit of it.
    assert not delete(db, clock, idea_id, message_id="1700000000.777777")

    assert not edit(db, clock, idea_id, text="Back again", message_id="1700000000.777777")
    assert not add(db, clock, idea_id, text="Back again", message_id="1700000000.777777")

    assert comment_count(db, idea_id) == 0


def test_add_after_delete(db: Database, clock: ManualClock, idea_id: int) -> None:
    # A redelivered "message posted" event must not bring a deleted reply back.
    add(db, clock, idea_id, text="Good idea")
    delete(db, clock, idea_id)

    assert not add(db, clock, idea_id, text="Good idea")

    assert stored_comment(db, idea_id).text == ""
    assert comment_count(db, idea_id) == 0


def test_concurrent_adds(db: Database, clock: ManualClock, idea_id: int) -> None:
    results = run_together(10, lambda _: add(db, clock, idea_id))

    assert results.count(True) == 1
    assert comment_rows(db, idea_id) == 1
    assert comment_count(db, idea_id) == 1


def test_concurrent_deletes(db: Database, clock: ManualClock, idea_id: int) -> None:
    add(db, clock, idea_id)
    add(db, clock, idea_id, message_id="1700000000.000700")

    results = run_together(10, lambda _: delete(db, clock, idea_id))

    assert results.count(True) == 1
    assert comment_count(db, idea_id) == comment_rows(db, idea_id, live_only=True)
    assert comment_count(db, idea_id) == 1


def test_concurrent_edit_delete(db: Database, clock: ManualClock, idea_id: int) -> None:
    # However an edit and the deletion interleave, a deleted reply keeps no text.
    for round_number in range(5):
        message_id = f"1700000000.00080{round_number}"
        add(db, clock, idea_id, message_id=message_id, text="First version")

        def edit_or_delete(index: int, message_id: str = message_id) -> bool:
            if index == 0:
                return delete(db, clock, idea_id, message_id=message_id)
            return edit(db, clock, idea_id, message_id=message_id, text=f"Edit {index}")

        run_together(6, edit_or_delete)

        comment = stored_comment(db, idea_id, message_id)
        assert comment.deleted_at is not None
        assert comment.text == ""
    assert comment_count(db, idea_id) == 0
