"""A campaign's activity per 15-minute bucket, read once for both parts of its closing report.

The closing report has two parts, the fair ranking with the busiest days and
the participation report with its daily trend, and both count the campaign's
new participants, ideas, comments and votes over time. Reading those counts
once and giving them to both parts saves a pass over every vote.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from storage import participation as participation_store
from storage.database import Database
from storage.participation import ReportScope

logger = logging.getLogger(__name__)

# Every time zone in use today is offset from UTC by a multiple of 15 minutes,
# so activity counted per 15-minute bucket falls into whole local days.
BUCKET_SECONDS = 900


@dataclass(frozen=True)
class CampaignActivity:
    """One campaign's activity per time bucket, as participation_store.activity_by_bucket counts it.

    rows contains (kind, bucket number, count), the kinds being the NEW_PARTICIPANT,
    IDEA, COMMENT and VOTE of storage.participation, and bucket n running from
    n * bucket_seconds to (n + 1) * bucket_seconds seconds after 1970 in UTC.
    """

    campaign_id: int
    bucket_seconds: int
    rows: tuple[tuple[int, int, int], ...]


def read_campaign_activity(db: Database, campaign_id: int) -> CampaignActivity:
    """Count a campaign's new participants, visible ideas, visible comments and votes per bucket."""
    with db.transaction() as session:
        rows = participation_store.activity_by_bucket(
            session, ReportScope(campaign_id=campaign_id), bucket_seconds=BUCKET_SECONDS
        )
    logger.info("Read the activity of campaign %s: %s buckets", campaign_id, len(rows))
    return CampaignActivity(
        campaign_id=campaign_id, bucket_seconds=BUCKET_SECONDS, rows=tuple(rows)
    )
