"""Messages relayed between a manager and the author of an idea, anonymous ones included."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core import relay
from bot.core.clock import ManualClock
from bot.core.errors import NotFound, PermissionDenied
from bot.core.ideas import submit_idea
from bot.core.moderation import ItemRef
from bot.core.records import Person
from bot.core.roles import grant_role
from handlers.blocks.moderation import SlackRelayRenderer
from storage import outbox as outbox_store
from storage.database import Database
from storage.models import OutboxMessage, RelayMessage
from tests.core.privacy_support import tables_containing

KEY = "k" * 40
MANAGER = Person("slack", "T1", "UMANAGER")
AUTHOR = Person("slack", "T1", "UAUTHOR7", "Zebedee Quartermaine")
RENDERER = SlackRelayRenderer()


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A SQLite database only: the relay's SQL is the same on both backends."""
    path = tmp_path / "relay.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


def members() -> list[Person]:
    return [Person("slack", "T1", f"UOTHER{index}") for index in range(5)] + [
        Person("slack", "T1", AUTHOR.user_id)
    ]


def outbox_rows(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.recipient, row.payload) for row in rows]


def anonymous_idea(db: Database, clock: ManualClock) -> int:
    grant_role(
        db, platform="slack", user_id=MANAGER.user_id, role="manager", granted_by="cli",
        now=clock.now(),
    )  # fmt: skip
    submitted = submit_idea(
        db, AUTHOR, text="Quiet room on every ward", anonymous=True, now=clock.now(), anon_key=KEY
    )
    return submitted.idea.id


def send(db: Database, clock: ManualClock, idea_id: int, **options: object) -> relay.RelayNote:
    arguments: dict[str, object] = {"anon_key": KEY, "members": members}
    arguments.update(options)
    return relay.message_author(
        db,
        MANAGER,
        ItemRef("idea", idea_id),
        text="Which wards do you mean?",
        now=clock.now(),
        renderer=RENDERER,
        **arguments,  # type: ignore[arg-type]
    )


def test_relay_reaches_anonymous_author(sqlite_db: Database, clock: ManualClock) -> None:
    idea_id = anonymous_idea(sqlite_db, clock)

    note = send(sqlite_db, clock, idea_id)

    [(recipient, payload)] = outbox_rows(sqlite_db)
    assert recipient == AUTHOR.user_id
    assert "A manager has a question about your idea: Which wards do you mean?" in payload
    assert "Quiet room on every ward" in payload

    relay.reply_to_manager(
        sqlite_db,
        AUTHOR,
        relay_id=note.relay_id,
        text="Wards 3 and 4",
        now=clock.now(),
        anon_key=KEY,
        renderer=RENDERER,
    )

    recipient, payload = outbox_rows(sqlite_db)[1]
    assert recipient == MANAGER.user_id
    assert "Wards 3 and 4" in payload
    assert AUTHOR.user_id not in payload
    assert "Zebedee" not in payload
    with sqlite_db.transaction() as session:
        stored = list(session.scalars(select(RelayMessage).order_by(RelayMessage.id)))
        assert [row.direction for row in stored] == ["to_author", "to_manager"]
        assert all(AUTHOR.user_id not in (row.manager_id, row.text) for row in stored)

    # Once sent, the outbox row loses its recipient, so no row names the author.
    with sqlite_db.transaction() as session:
        first, second = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        assert outbox_store.mark_sent(session, first.id, now=clock.now(), message_id="D1.1")
        assert outbox_store.mark_sent(session, second.id, now=clock.now(), message_id="D2.2")
    # The manager's copy quotes the anonymous idea, so it is not kept once sent either.
    assert outbox_rows(sqlite_db) == [("", ""), ("", "")]
    assert tables_containing(sqlite_db, AUTHOR.user_id) == []


def test_relay_reply_only_by_author(sqlite_db: Database, clock: ManualClock) -> None:
    idea_id = anonymous_idea(sqlite_db, clock)
    note = send(sqlite_db, clock, idea_id)

    with pytest.raises(PermissionDenied):
        relay.reply_to_manager(
            sqlite_db,
            Person("slack", "T1", "UOTHER1"),
            relay_id=note.relay_id,
            text="Not mine",
            now=clock.now(),
            anon_key=KEY,
            renderer=RENDERER,
        )
    assert len(outbox_rows(sqlite_db)) == 1


def test_relay_author_not_found(sqlite_db: Database, clock: ManualClock) -> None:
    idea_id = anonymous_idea(sqlite_db, clock)

    with pytest.raises(NotFound):
        send(sqlite_db, clock, idea_id, members=lambda: members()[:5])
    with pytest.raises(NotFound):
        send(sqlite_db, clock, idea_id, anon_key="z" * 40)

    assert outbox_rows(sqlite_db) == []
    with sqlite_db.transaction() as session:
        assert session.scalar(select(RelayMessage.id)) is None
