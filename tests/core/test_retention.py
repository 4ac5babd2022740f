"""Tests of anonymising campaigns closed longer ago than the retention period."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.core import audit, retention
from bot.core.clock import ManualClock
from bot.core.participation_report import participation_report
from bot.core.summary import campaign_summary
from storage.database import Database
from storage.models import Idea
from tests.core.privacy_support import ANN, BOB, LONDON, seed_closed_campaign, tables_containing


@pytest.mark.database
def test_retention_runs_once_counts_true(db: Database, clock: ManualClock) -> None:
    campaign_id, named_id, anonymous_id = seed_closed_campaign(db, clock)
    before_summary = campaign_summary(db, campaign_id)
    before_report = participation_report(
        db, campaign_id=campaign_id, timezone=LONDON, now=clock.now()
    )

    clock.advance(timedelta(days=29))
    assert retention.anonymise_expired_campaigns(db, retention_days=30, now=clock.now()) == []

    clock.advance(timedelta(days=2))
    # Two processes, each with its own connection pool, run the job at once.
    second = Database(db.url)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            runs = list(
                pool.map(
                    lambda database: retention.anonymise_expired_campaigns(
                        database, retention_days=30, now=clock.now()
                    ),
                    [db, second],
                )
            )
    finally:
        second.dispose()

    assert sorted(runs) == [[], [campaign_id]]
    [entry] = audit.list_audit(db, action="retention")
    assert entry.subject == f"campaign:{campaign_id}"
    assert entry.detail["people"] == 2
    # The staff list is not campaign data, so only its rows still name them.
    for person in (ANN, BOB):
        found = tables_containing(db, person.user_id)
        assert [name for name in found if not name.startswith("staff.")] == []
    after_summary = campaign_summary(db, campaign_id)
    after_report = participation_report(
        db, campaign_id=campaign_id, timezone=LONDON, now=clock.now()
    )
    assert after_summary.participant_count == before_summary.participant_count == 2
    assert after_summary.vote_count == before_summary.vote_count == 3
    assert after_report.participants == before_report.participants
    assert after_report.commented == before_report.commented
    with db.transaction() as session:
        named = session.get(Idea, named_id)
        anonymous = session.get(Idea, anonymous_id)
        assert named is not None and anonymous is not None
        assert (named.author_name, named.text) == ("Name removed", "Ann's named idea")
        assert anonymous.author_hash is None
