"""One closing report or daily digest in a process of its own, printing its time and peak memory.

Usage: python -m tests.benchmarks.report_case DATABASE_URL CAMPAIGN_ID report|digest
It prints one JSON object on stdout: the wall time in seconds of each part,
the process's peak resident set size in kilobytes, and counts that show the
work was done (ideas and votes in the report, votes in the digest).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.campaign_activity import read_campaign_activity
from bot.core.digest import build_digest
from bot.core.participation_report import participation_report
from bot.core.report import campaign_report
from storage.database import Database
from tests.benchmarks.campaign_data import STARTS_AT

TIMEZONE = ZoneInfo("Europe/London")
MIN_GROUP_SIZE = 11
# The digest is built on day 10 of the 20-day campaign, so its period contains a day of activity.
DIGEST_AT = STARTS_AT + timedelta(days=9, hours=8)


def measure_report(db: Database, campaign_id: int) -> dict[str, Any]:
    """Build the final report as bot.core.delivery.final_report does.

    The parts: the activity over time, read once for both reports, the
    ranking, then the participation report.
    """
    started = time.perf_counter()
    activity = read_campaign_activity(db, campaign_id)
    read = time.perf_counter()
    report = campaign_report(db, campaign_id, timezone=TIMEZONE, activity=activity)
    ranked = time.perf_counter()
    participation = participation_report(
        db,
        campaign_id=campaign_id,
        timezone=TIMEZONE,
        now=datetime.now(UTC),
        min_group_size=MIN_GROUP_SIZE,
        activity=activity,
    )
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "parts": {
            "activity": read - started,
            "ranking": ranked - read,
            "participation": finished - ranked,
        },
        "counts": {
            "ideas": report.totals.idea_count,
            "votes": report.totals.vote_count,
            "participants": participation.participants,
        },
    }


def measure_digest(db: Database, campaign_id: int) -> dict[str, Any]:
    """Build one manager's daily digest of the campaign, as the digest job does before sending."""
    started = time.perf_counter()
    digest = build_digest(
        db,
        campaign_id,
        day=DIGEST_AT.astimezone(TIMEZONE).date(),
        now=DIGEST_AT,
        staff_count=None,
        timezone=TIMEZONE,
    )
    return {
        "seconds": time.perf_counter() - started,
        "parts": {},
        "counts": {
            "votes": digest.activity.vote_count,
            "participants": digest.participant_count,
        },
    }


def main(argv: list[str]) -> int:
    database_url, campaign_id, kind = argv
    measures = {"report": measure_report, "digest": measure_digest}
    if kind not in measures:
        raise SystemExit(f"unknown case {kind!r}: use one of {', '.join(measures)}")
    db = Database(database_url)
    measured = measures[kind](db, int(campaign_id))
    db.dispose()
    # On Linux ru_maxrss is in kilobytes: the high-water mark of the whole process.
    measured["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(measured))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
