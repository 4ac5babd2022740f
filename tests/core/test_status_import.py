"""Tests of setting idea statuses in bulk from a CSV file: checks, one transaction, notices."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core import roles
from bot.core.audit import list_audit
from bot.core.campaigns import close_campaign, create_campaign, open_campaign
from bot.core.clock import ManualClock
from bot.core.display import stale_idea_ids
from bot.core.errors import InvalidInput
from bot.core.ideas import record_idea_message, submit_idea
from bot.core.moderation import ItemRef, hide_item
from bot.core.records import Person
from bot.core.status_import import (
    AUDIT_ACTION,
    ProgressCallback,
    StatusImportResult,
    set_statuses_from_file,
)
from bot.core.statuses import CLI_CHANGED_BY, DONE, IN_PROGRESS, PLANNED, set_idea_status
from bot.core.votes import VoteChange, change_vote
from handlers.status_notices import OfflineStatusNotifier
from storage.database import Database
from storage.models import Idea, IdeaStatusChange, OutboxMessage

LONDON = ZoneInfo("Europe/London")
CHANNEL = "C0CAMPAIGN"
MAY = Person("slack", "T1", "U_MAY", "May")
ANN = Person("slack", "T1", "U_ANN", "Ann")
BOB = Person("slack", "T1", "U_BOB", "Bob")


@pytest.fixture
def idea_ids(db: Database, clock: ManualClock) -> list[int]:
    """Three ideas of a closed campaign by Ann; Bob voted for the first, which is posted."""
    roles.grant_role(
        db,
        platform="slack",
        user_id=MAY.user_id,
        role=roles.MANAGER,
        granted_by="t",
        now=clock.now(),
    )
    campaign = create_campaign(
        db, title="Winter", channel_id=CHANNEL, starts="now", timezone=LONDON, now=clock.now()
    )
    assert open_campaign(db, campaign.id, now=clock.now()) is not None
    ids = [
        submit_idea(db, ANN, text=text, channel_id=CHANNEL, now=clock.now()).idea.id
        for text in ("Warmer break room", "Bike racks", "Later canteen hours")
    ]
    change_vote(db, BOB, idea_id=ids[0], change=VoteChange.CAST, now=clock.now())
    record_idea_message(db, ids[0], message_id="1700000000.000100", vote_count=1)
    clock.advance(timedelta(days=21))
    assert close_campaign(db, campaign.id, now=clock.now()) is not None
    return ids


def write(tmp_path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = tmp_path / "statuses.csv"
    path.write_bytes(text.encode(encoding))
    return path


def apply(
    db: Database,
    clock: ManualClock,
    path: Path,
    *,
    dry_run: bool = False,
    on_progress: ProgressCallback | None = None,
) -> StatusImportResult:
    return set_statuses_from_file(
        db,
        path,
        now=clock.now(),
        notifier=OfflineStatusNotifier(),
        dry_run=dry_run,
        on_progress=on_progress,
    )


def ideas(db: Database) -> dict[int, Idea]:
    with db.transaction() as session:
        return {idea.id: idea for idea in session.scalars(select(Idea))}


def changes(db: Database) -> list[IdeaStatusChange]:
    with db.transaction() as session:
        return list(session.scalars(select(IdeaStatusChange).order_by(IdeaStatusChange.id)))


def status_messages(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("idea-status:"))
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def test_good_file_applied_once(
    db: Database, clock: ManualClock, idea_ids: list[int], tmp_path: Path
) -> None:
    first, second, third = idea_ids
    path = write(
        tmp_path,
        "id,status,reply,owner\n"
        f'{first},In Progress,"Heaters ordered, fitted in March",Estates team\n'
        f"{second},done,,\n"
        f"{third},NOT_TAKEN_FORWARD,No budget this year,Finance\n",
    )

    result = apply(db, clock, path)

    assert result.rejected == ()
    assert result.changed == 3
    assert result.unchanged == 0
    assert result.by_status == {IN_PROGRESS: 1, DONE: 1, "not_taken_forward": 1}
    # Ann for each idea, and Bob for the first.
    assert result.notified == 4
    assert result.redrawn == 1
    stored = ideas(db)
    assert (stored[first].status, stored[first].status_owner) == (IN_PROGRESS, "Estates team")
    assert stored[first].status_reply == "Heaters ordered, fitted in March"
    assert (stored[second].status_reply, stored[second].status_owner) == (None, None)
    assert {row.changed_by for row in changes(db)} == {CLI_CHANGED_BY}
    assert [row.owner for row in changes(db)] == ["Estates team", None, "Finance"]
    messages = status_messages(db)
    assert sorted(row.recipient for row in messages) == [ANN.user_id] * 3 + [BOB.user_id]
    text = json.dumps(json.loads(messages[0].payload))
    assert "has an answer:" in text
    assert "<@cli>" not in text
    # The posted idea is marked for the running bot's stale-message job to redraw.
    assert stored[first].shown_vote_count is None
    assert first in stale_idea_ids(db, now=clock.now())
    entry = list_audit(db, action=AUDIT_ACTION)[0]
    assert entry.actor == "cli"
    assert entry.detail["changed"] == 3
    assert entry.detail["ideas"] == [first, second, third]

    again = apply(db, clock, path)

    assert again.changed == 0
    assert again.unchanged == 3
    assert len(changes(db)) == 3
    assert len(status_messages(db)) == 4


def test_bad_lines_store_nothing(
    db: Database, clock: ManualClock, idea_ids: list[int], tmp_path: Path
) -> None:
    first, second, third = idea_ids
    hide_item(db, MAY, ItemRef("idea", third), now=clock.now())
    path = write(
        tmp_path,
        "id,status,reply\n"
        f"{first},planned,Fine\n"
        f"{second},maybe,\n"
        "abc,done,\n"
        "9999,done,\n"
        f"{first},done,\n"
        f"{third},done,\n"
        f"{second},done,{'x' * 501}\n"
        "9998,done,Fine,thanks\n",
    )

    progress: list[tuple[str, int, int]] = []

    def record(stage: str, done: int, total: int) -> None:
        progress.append((stage, done, total))

    result = apply(db, clock, path, on_progress=record)

    # The progress counts every data line, including those rejected on reading, as the result does.
    assert result.lines == 8
    assert progress == [("checked", 8, 8)]
    reasons = {rejection.line: rejection.reason for rejection in result.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "The status 'maybe' is not a status." in reasons[3]
    assert "in_progress (In progress)" in reasons[3]
    assert "The id 'abc' is not an idea id." in reasons[4]
    assert "There is no idea 9999." in reasons[5]
    assert "is also on line 2" in reasons[6]
    assert "hidden by a moderator" in reasons[7]
    assert "the maximum is 500" in reasons[8]
    assert "The line has 4 values but the header has 3 columns." in reasons[9]
    # Every reason is a full sentence, from this module or from a validator the modal also uses.
    for line, reason in reasons.items():
        assert reason[0].isupper(), (line, reason)
        assert reason.endswith("."), (line, reason)
    assert result.stored is False
    assert changes(db) == []
    assert status_messages(db) == []
    assert all(idea.status is None for idea in ideas(db).values())
    assert list_audit(db, action=AUDIT_ACTION) == []


def test_dry_run_stores_nothing(
    db: Database, clock: ManualClock, idea_ids: list[int], tmp_path: Path
) -> None:
    first, second, _ = idea_ids
    set_idea_status(
        db,
        MAY,
        idea_id=first,
        status=PLANNED,
        reply="Soon",
        now=clock.now(),
        notifier=OfflineStatusNotifier(),
    )
    before = len(status_messages(db))
    path = write(tmp_path, f"id,status,reply\n{first},Planned,Soon\n{second},Done,Fixed\n")

    result = apply(db, clock, path, dry_run=True)

    assert result.dry_run
    assert result.changed == 1
    assert result.unchanged == 1
    assert result.by_status == {DONE: 1}
    assert ideas(db)[second].status is None
    assert len(changes(db)) == 1
    assert len(status_messages(db)) == before


def test_without_owner_column_owner_kept(
    db: Database, clock: ManualClock, idea_ids: list[int], tmp_path: Path
) -> None:
    first = idea_ids[0]
    set_idea_status(
        db,
        MAY,
        idea_id=first,
        status=PLANNED,
        reply=None,
        owner="Estates team",
        now=clock.now(),
        notifier=OfflineStatusNotifier(),
    )
    path = write(tmp_path, f"ID,Status,Reply\n{first},done,Fitted\n")

    result = apply(db, clock, path)

    assert result.changed == 1
    assert ideas(db)[first].status_owner == "Estates team"
    assert changes(db)[-1].owner == "Estates team"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_bom_and_windows_1252_read(
    db: Database, clock: ManualClock, idea_ids: list[int], tmp_path: Path, encoding: str
) -> None:
    first = idea_ids[0]
    path = write(
        tmp_path, f"id,status,reply\r\n{first},done,Café open – 7am\r\n", encoding=encoding
    )

    result = apply(db, clock, path)

    assert result.changed == 1
    assert ideas(db)[first].status_reply == "Café open – 7am"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty"),
        ("id,status\n1,done\n", "The header has no reply column"),
        ("id,status,reply\n", "has a header but no ideas"),
        ("id,status,reply,id\n1,done,,1\n", "names the id column twice"),
    ],
)
def test_unreadable_files_rejected(
    db: Database, clock: ManualClock, idea_ids: list[int], tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        apply(db, clock, write(tmp_path, text))

    assert message in raised.value.user_message
    assert changes(db) == []
