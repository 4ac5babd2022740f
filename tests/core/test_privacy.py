"""Tests of a person's data export and erasure."""

import json

import pytest

from bot.core import audit, privacy
from bot.core.clock import ManualClock
from bot.core.display import stale_idea_ids
from bot.core.ideas import record_idea_message
from bot.core.participation_report import participation_report
from bot.core.summary import campaign_summary
from storage.database import Database
from storage.models import Idea
from tests.core.privacy_support import ANN, LONDON, seed_closed_campaign, tables_containing


def export_ann(db: Database, clock: ManualClock) -> dict:
    return privacy.export_person(
        db, platform="slack", user_id=ANN.user_id, actor="cli", now=clock.now()
    )


def test_export_named_not_anonymous(db: Database, clock: ManualClock) -> None:
    campaign_id, named_id, anonymous_id = seed_closed_campaign(db, clock)

    data = export_ann(db, clock)

    assert [idea["id"] for idea in data["ideas"]] == [named_id]
    assert data["ideas"][0]["text"] == "Ann's named idea"
    assert "Bob's anonymous idea" not in json.dumps(data)
    assert [vote["idea_id"] for vote in data["votes"]] == [named_id, anonymous_id]
    assert [comment["text"] for comment in data["comments"]] == ["One", "Two"]
    assert [row["campaign_id"] for row in data["campaign_interest"]] == [campaign_id]
    assert [row["scope"] for row in data["participant_groups"]] == [f"campaign:{campaign_id}"]
    assert [row["email"] for row in data["staff_list"]] == ["u0ann@example.org"]
    [entry] = audit.list_audit(db)
    assert (entry.action, entry.subject) == ("privacy_export", "user:U0ANN")
    assert entry.detail["ideas"] == 1


@pytest.mark.database
def test_erase_keeps_counts(db: Database, clock: ManualClock) -> None:
    campaign_id, named_id, _ = seed_closed_campaign(db, clock)
    record_idea_message(db, named_id, message_id="100.1", vote_count=2)
    assert named_id not in stale_idea_ids(db, now=clock.now())
    export_ann(db, clock)
    before_summary = campaign_summary(db, campaign_id)
    before_report = participation_report(
        db, campaign_id=campaign_id, timezone=LONDON, now=clock.now()
    )
    plan = privacy.plan_erasure(db, platform="slack", user_id=ANN.user_id, now=clock.now())
    assert plan.replaced["votes"] == 2
    assert tables_containing(db, ANN.user_id) != []

    erased = privacy.erase_person(
        db, platform="slack", user_id=ANN.user_id, actor="cli", now=clock.now()
    )

    assert erased == plan
    assert tables_containing(db, ANN.user_id) == []
    assert tables_containing(db, "Ann Example") == []
    assert tables_containing(db, "u0ann@example.org") == []
    after_summary = campaign_summary(db, campaign_id)
    after_report = participation_report(
        db, campaign_id=campaign_id, timezone=LONDON, now=clock.now()
    )
    assert after_summary.participant_count == before_summary.participant_count == 2
    assert after_summary.vote_count == before_summary.vote_count == 3
    assert after_report.participants == before_report.participants
    assert after_report.headcount == before_report.headcount
    assert after_report.commented == before_report.commented
    with db.transaction() as session:
        idea = session.get(Idea, named_id)
        assert idea is not None
        assert (idea.author_name, idea.text) == ("Former member of staff", "Ann's named idea")
    # The running bot redraws it, so the posted message loses the name too.
    assert named_id in stale_idea_ids(db, now=clock.now())
    actions = [(row.action, row.subject) for row in audit.list_audit(db)]
    assert actions == [
        ("privacy_erase", audit.erased_label(ANN.user_id)),
        ("privacy_export", audit.erased_label(ANN.user_id)),
    ]

    again = privacy.erase_person(
        db, platform="slack", user_id=ANN.user_id, actor="cli", now=clock.now()
    )

    assert again.empty
    assert campaign_summary(db, campaign_id).participant_count == 2
