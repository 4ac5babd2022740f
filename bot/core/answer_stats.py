"""Answer statistics of campaigns: how many ideas got a status, and the median days it took."""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.campaigns import campaign_record
from bot.core.errors import NotFound
from bot.core.records import AnswerStats, CampaignRecord
from bot.core.statuses import DONE
from storage import campaigns as campaign_store
from storage import statuses as status_store
from storage.database import Database

# Campaigns in these states can have ideas, and so answers.
CAMPAIGN_STATUSES_WITH_IDEAS = ("open", "closed")
SECONDS_PER_DAY = 86_400


def days_between(start: datetime, end: datetime) -> float:
    """Return the days from start to end as a fraction, never below zero."""
    return max((end - start).total_seconds(), 0.0) / SECONDS_PER_DAY


def answer_stats_in(session: Session, campaign_id: int) -> AnswerStats:
    """Count a campaign's visible ideas, those answered and done, and the median days to answer.

    An idea counts as answered when it has a status. The days to answer run
    from the idea's creation to its first status change.
    """
    idea_count, answered_count, done_count = status_store.count_campaign_answers(
        session, campaign_id=campaign_id, done_status=DONE
    )
    waits = [
        days_between(created_at, first_at)
        for created_at, first_at in status_store.list_first_answer_times(
            session, campaign_id=campaign_id
        )
    ]
    return AnswerStats(
        campaign_id=campaign_id,
        idea_count=idea_count,
        answered_count=answered_count,
        done_count=done_count,
        median_days_to_answer=statistics.median(waits) if waits else None,
    )


def answer_stats(db: Database, *, campaign_id: int) -> AnswerStats:
    """Return one campaign's answer statistics; a campaign without ideas has zero counts."""
    with db.transaction() as session:
        return answer_stats_in(session, campaign_id)


def campaign_answer_stats(
    db: Database, *, campaign_id: int | None = None
) -> list[tuple[CampaignRecord, AnswerStats]]:
    """Return each open or closed campaign with its answer statistics, by start time.

    With campaign_id, return that campaign alone, whatever its state. Raises
    NotFound for an unknown campaign id.
    """
    with db.transaction() as session:
        if campaign_id is not None:
            campaign = campaign_store.get_campaign(session, campaign_id)
            if campaign is None:
                raise NotFound(
                    f"There is no campaign {campaign_id}. List them with: staffvoice campaign list"
                )
            campaigns = [campaign]
        else:
            campaigns = campaign_store.list_campaigns(
                session, statuses=CAMPAIGN_STATUSES_WITH_IDEAS
            )
        return [
            (campaign_record(campaign), answer_stats_in(session, campaign.id))
            for campaign in campaigns
        ]
