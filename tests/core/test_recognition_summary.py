"""Tests of the monthly recognition summary: its counts, when it falls due, and sending it once."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core import recognition_summary, roles, thanks
from bot.core.checks.post_checks import PostChecks
from bot.core.clock import ManualClock
from bot.core.outbox import OutboundMessage
from bot.core.participation_records import NOT_IN_DIRECTORY, OTHER_GROUPS
from bot.core.recognition_summary import RecognitionSummary, due_month
from bot.core.records import Person
from bot.core.thanks import ThanksCard
from storage.database import Database
from storage.models import OutboxMessage, ScheduledRun, StaffMember

LONDON = ZoneInfo("Europe/London")
MANAGERS = ("U0MGRA", "U0MGRB")
GIVER = Person("slack", "T1", "U0GIVER")
# 12 staff in Community nursing, 11 in Therapies and 3 in Estates; the minimum group is 11.
NURSES = [f"U0NURSE{n:02d}" for n in range(12)]
THERAPISTS = [f"U0THER{n:02d}" for n in range(11)]
ESTATES = [f"U0EST{n:02d}" for n in range(3)]
OUTSIDER = "U0AGENCY"
FEBRUARY = date(2027, 2, 1)


class SummaryNotifier:
    """Builds summaries as plain outbox messages and keeps the summaries it was given."""

    timezone = LONDON

    def __init__(self) -> None:
        self.summaries: list[RecognitionSummary] = []

    def recognition_summary_messages(
        self, summary: RecognitionSummary, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        self.summaries.append(summary)
        return [
            OutboundMessage(platform="slack", recipient=user, text=summary.title, dedupe_key=key)
            for user, key in dedupe_keys.items()
        ]


def notice(card: ThanksCard, recipient: str, key: str) -> OutboundMessage:
    return OutboundMessage(platform="slack", recipient=recipient, text="thanks", dedupe_key=key)


@pytest.fixture
def workspace(db: Database) -> ManualClock:
    """Managers, the staff list, the channel and values; a clock on 3 February 2027."""
    clock = ManualClock(datetime(2027, 2, 3, 10, 0, tzinfo=UTC))
    for manager in MANAGERS:
        roles.grant_role(
            db, platform="slack", user_id=manager, role=roles.MANAGER, granted_by="cli",
            now=clock.now(),
        )  # fmt: skip
    now = clock.now()
    with db.transaction() as session:
        for directorate, people in (
            ("Community nursing", NURSES),
            ("Therapies", THERAPISTS),
            ("Estates", ESTATES),
        ):
            session.add_all(
                StaffMember(
                    email=f"{user.lower()}@example.org",
                    directorate=directorate,
                    platform="slack",
                    user_id=user,
                    match_state="column",
                    created_at=now,
                    updated_at=now,
                )
                for user in people
            )
    manager = Person("slack", "T1", MANAGERS[0])
    thanks.set_recognition_channel(db, manager, channel_id="C0THANKS", now=now)
    thanks.set_recognition_values(db, manager, values_text="Compassionate, Open", now=now)
    return clock


def give(db: Database, at: datetime, recipients: list[str], message: str) -> None:
    thanks.give_thanks(
        db,
        GIVER,
        recipients=recipients,
        message=message,
        checks=PostChecks(),
        now=at,
        notice=notice,
    )


def february_cards(db: Database, clock: ManualClock) -> None:
    """Five cards in February, one on 31 January and one on 1 March (local time)."""
    start = datetime(2027, 2, 1, 0, 30, tzinfo=LONDON)
    give(db, start - timedelta(hours=1), [NURSES[0]], "January")
    give(db, start, [NURSES[0], NURSES[1]], "One #compassionate")
    give(db, start + timedelta(days=1), [NURSES[2], THERAPISTS[0]], "Two #open #compassionate")
    give(db, start + timedelta(days=2), [THERAPISTS[1]], "Three")
    give(db, start + timedelta(days=3), [ESTATES[0]], "Four #open")
    give(db, start + timedelta(days=4), [OUTSIDER, NURSES[0]], "Five")
    give(db, datetime(2027, 3, 1, 0, 5, tzinfo=LONDON), [NURSES[3]], "March")


def test_summary_counts(db: Database, workspace: ManualClock) -> None:
    february_cards(db, workspace)
    summary = recognition_summary.build_summary(
        db, platform="slack", team_id="T1", month=FEBRUARY, timezone=LONDON, min_group_size=11
    )
    assert summary.title == "February 2027"
    assert summary.cards == 5
    # Nurses 0, 1, 2, therapists 0, 1, estates 0 and the agency worker.
    assert summary.colleagues_thanked == 7
    assert summary.by_value == (("Compassionate", 2), ("Open", 2))
    assert summary.cards_without_value == 2
    groups = {group.name: group.participants for group in summary.by_directorate.groups}
    # Estates (3 staff) is folded; with it alone Other groups would be under 11, so the
    # smallest named directorate, Therapies (11), joins it.
    assert groups == {"Community nursing": 3, OTHER_GROUPS: 4}
    assert NOT_IN_DIRECTORY not in groups


def test_small_groups_named_at_size(db: Database, workspace: ManualClock) -> None:
    february_cards(db, workspace)
    summary = recognition_summary.build_summary(
        db, platform="slack", team_id="T1", month=FEBRUARY, timezone=LONDON, min_group_size=3
    )
    groups = {group.name: group.participants for group in summary.by_directorate.groups}
    assert groups == {"Community nursing": 3, "Estates": 1, "Therapies": 2, OTHER_GROUPS: 1}


@pytest.mark.parametrize(
    ("now", "month"),
    [
        (datetime(2027, 3, 1, 8, 59, tzinfo=LONDON), date(2027, 1, 1)),
        (datetime(2027, 3, 1, 9, 0, tzinfo=LONDON), date(2027, 2, 1)),
        (datetime(2027, 3, 20, 3, 0, tzinfo=LONDON), date(2027, 2, 1)),
        (datetime(2027, 1, 1, 9, 0, tzinfo=LONDON), date(2026, 12, 1)),
        # 08:30 UTC on 1 July is 09:30 in London (BST).
        (datetime(2027, 7, 1, 8, 30, tzinfo=UTC), date(2027, 6, 1)),
    ],
)
def test_due_month(now: datetime, month: date) -> None:
    assert due_month(now, LONDON) == month


def summary_rows(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as session:
        rows = session.execute(select(OutboxMessage.recipient, OutboxMessage.dedupe_key))
        return sorted(
            (recipient, key) for recipient, key in rows if key.startswith("recognition-summary")
        )


def test_summary_waits_until_nine(db: Database, workspace: ManualClock) -> None:
    february_cards(db, workspace)
    notifier = SummaryNotifier()
    before = datetime(2027, 3, 1, 8, 59, tzinfo=LONDON)
    # January's summary is due then, and January has one card.
    assert recognition_summary.send_due_summaries(db, notifier, now=before) == 2
    assert [summary.month for summary in notifier.summaries] == [date(2027, 1, 1)]
    at_nine = datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
    assert recognition_summary.send_due_summaries(db, notifier, now=at_nine) == 2
    assert [summary.month for summary in notifier.summaries] == [
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]


def test_summary_sent_once_in_two_runs(database_url: str, workspace: ManualClock) -> None:
    first_db, second_db = Database(database_url), Database(database_url)
    try:
        february_cards(first_db, workspace)
        now = datetime(2027, 3, 1, 9, 5, tzinfo=LONDON)
        notifiers = (SummaryNotifier(), SummaryNotifier())
        added: list[int] = []
        barrier = threading.Barrier(2)

        def run(db: Database, notifier: SummaryNotifier) -> None:
            barrier.wait()
            added.append(recognition_summary.send_due_summaries(db, notifier, now=now))

        threads = [
            threading.Thread(target=run, args=(first_db, notifiers[0])),
            threading.Thread(target=run, args=(second_db, notifiers[1])),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(added) == [0, 2]
        assert recognition_summary.send_due_summaries(first_db, notifiers[0], now=now) == 0
        key = recognition_summary.summary_run_key("slack", "T1", FEBRUARY)
        assert summary_rows(first_db) == sorted(
            (manager, f"{key}:{manager}") for manager in MANAGERS
        )
        with first_db.transaction() as session:
            assert session.scalars(select(ScheduledRun).where(ScheduledRun.key == key)).one()
    finally:
        first_db.dispose()
        second_db.dispose()


def test_month_without_cards_sends_nothing(db: Database, workspace: ManualClock) -> None:
    notifier = SummaryNotifier()
    now = datetime(2027, 3, 1, 9, 5, tzinfo=LONDON)
    assert recognition_summary.send_due_summaries(db, notifier, now=now) == 0
    assert notifier.summaries == []
    assert summary_rows(db) == []
