"""Posting of ideas and campaign announcements through a ChatPublisher, once each."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.core import campaigns, display, ideas, outbox, roles
from bot.core.campaign_activity import read_campaign_activity
from bot.core.charts import chart_messages, final_report_chart_key
from bot.core.errors import DeliveryFailed
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from bot.core.participation_report import participation_report
from bot.core.ports import ChatPublisher, ReportPublisher
from bot.core.records import CampaignReport, IdeaRecord
from bot.core.report import campaign_report
from storage import campaigns as campaign_store
from storage import ideas as idea_store
from storage.database import Database

logger = logging.getLogger(__name__)

MANAGER_ROLE = "manager"


def deliver_idea(
    db: Database, publisher: ChatPublisher, idea_id: int, *, now: datetime
) -> str | None:
    """Post an idea's message unless it is posted or being posted; return its message id.

    Raises DeliveryFailed when the platform rejects the message; the idea stays
    stored without a message and a later retry posts it.
    """
    if not ideas.claim_idea_post(db, idea_id, now=now):
        return None
    idea = ideas.get_idea(db, idea_id)
    message_id = publisher.post_idea(idea)
    ideas.record_idea_message(db, idea_id, message_id=message_id, vote_count=idea.vote_count)
    logger.info("Posted idea %s as message %s", idea_id, message_id)
    return message_id


def retry_unposted_ideas(db: Database, publisher: ChatPublisher, *, now: datetime) -> int:
    """Post ideas whose earlier posting failed; return how many were posted."""
    posted = 0
    for idea in ideas.unposted_ideas(db, now=now):
        logger.info("Trying again to post idea %s", idea.id)
        try:
            if deliver_idea(db, publisher, idea.id, now=now):
                posted += 1
        except DeliveryFailed as error:
            logger.warning("Idea %s still not posted: %s", idea.id, error.reason)
    return posted


def final_report(
    db: Database,
    campaign_id: int,
    *,
    publisher: ReportPublisher,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> CampaignReport:
    """Build a campaign's final report with its participation by group.

    The first report after the close stores the campaign's headcounts, so
    every later copy shows the same figures. The campaign's activity over
    time is read once, for the busiest days and the daily participation.
    """
    activity = read_campaign_activity(db, campaign_id)
    report = campaign_report(db, campaign_id, timezone=publisher.timezone, activity=activity)
    participation = participation_report(
        db,
        campaign_id=campaign_id,
        timezone=publisher.timezone,
        now=now,
        min_group_size=min_group_size,
        activity=activity,
    )
    return replace(report, participation=participation)


def deliver_announcements(
    db: Database,
    publisher: ReportPublisher,
    *,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> int:
    """Post every campaign launch and final report not posted yet; return how many.

    The final report is posted in the campaign's channel as its closing message.
    """
    posted = 0
    for campaign, kind in campaigns.pending_announcements(db):
        if not campaigns.claim_announcement(db, campaign.id, kind=kind, now=now):
            continue
        try:
            if kind == "launch":
                message_id = publisher.post_launch(campaign)
            else:
                report = final_report(
                    db, campaign.id, publisher=publisher, now=now, min_group_size=min_group_size
                )
                message_id = publisher.post_report(report)
        except DeliveryFailed as error:
            logger.warning("Campaign %s %s message not posted: %s", campaign.id, kind, error.reason)
            continue
        campaigns.record_announcement(db, campaign.id, kind=kind, message_id=message_id)
        logger.info("Posted campaign %s %s message %s", campaign.id, kind, message_id)
        posted += 1
    return posted


def report_dedupe_key(campaign_id: int, user_id: str) -> str:
    """Return the outbox key of a campaign's final report for one manager."""
    return f"final-report:{campaign_id}:{user_id}"


def report_enqueued_key(campaign_id: int) -> str:
    """Return the ScheduledRun key that records a campaign's report as enqueued for managers."""
    return f"final-report-enqueued:{campaign_id}"


def send_report_to_managers(
    db: Database,
    publisher: ReportPublisher,
    campaign_id: int,
    *,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> int:
    """Enqueue a closed campaign's final report for each manager; return how many were new.

    Each manager's message has a dedupe key of its own, so running this again,
    or in two processes at once, enqueues nothing more. Once it has run, a
    ScheduledRun row makes later calls return 0 without building the report,
    so a manager granted the role after that gets no copy.
    """
    campaign = campaigns.get_campaign(db, campaign_id)
    if campaign.status != "closed":
        return 0
    if _run_recorded(db, report_enqueued_key(campaign_id)):
        return 0
    managers = sorted(
        {
            role.user_id
            for role in roles.list_roles(db, platform=campaign.platform)
            if role.role == MANAGER_ROLE
        }
    )
    added = 0
    if managers:
        report = final_report(
            db, campaign_id, publisher=publisher, now=now, min_group_size=min_group_size
        )
        messages = publisher.report_messages(
            report,
            dedupe_keys={user_id: report_dedupe_key(campaign_id, user_id) for user_id in managers},
        )
        added = outbox.enqueue_many(db, messages, now=now)
        if report.participation is not None:
            # The chart follows each manager's report as a file; it is not counted in
            # the return value, which counts reports.
            charts = chart_messages(
                report.participation,
                platform=campaign.platform,
                dedupe_keys={
                    user_id: final_report_chart_key(campaign_id, user_id) for user_id in managers
                },
            )
            outbox.enqueue_many(db, charts, now=now)
    else:
        logger.info("Campaign %s closed with no managers to send the report to", campaign_id)
    # Recorded after the enqueue, so a crash in between only repeats the enqueue,
    # which the per-manager keys make harmless.
    _record_run(db, report_enqueued_key(campaign_id), now=now)
    logger.info(
        "Enqueued the report of campaign %s for %s of %s managers",
        campaign_id,
        added,
        len(managers),
    )
    return added


def ideas_to_show_closed(
    db: Database,
    *,
    campaign_id: int | None = None,
    platform: str | None = None,
    limit: int = 200,
) -> list[int]:
    """Return ideas of closed campaigns whose message has not been updated since the close."""
    with db.transaction() as session:
        return idea_store.list_ideas_to_show_closed(
            session, campaign_id=campaign_id, platform=platform, limit=limit
        )


def campaigns_with_ideas_to_show_closed(db: Database, *, limit: int = 100) -> list[int]:
    """Return closed campaigns that still have idea messages showing a Vote button."""
    with db.transaction() as session:
        return idea_store.list_campaign_ids_with_ideas_to_show_closed(session, limit=limit)


def claim_closed_display(db: Database, idea_id: int, *, now: datetime) -> bool:
    """Claim the update that shows an idea's campaign closed; False when taken or not due."""
    with db.transaction() as session:
        return idea_store.claim_closed_display(session, idea_id, now=now)


def record_closed_display(
    db: Database, idea_id: int, *, vote_count: int, drawn: IdeaRecord | None = None
) -> None:
    """Store the final vote count an idea message shows after the close.

    drawn is the idea as the update drew it: when the idea changed since, such
    as an answer given meanwhile, it is marked for a redraw.
    """
    with db.transaction() as session:
        idea_store.set_shown_vote_count_only(session, idea_id, vote_count=vote_count)
        if drawn is not None:
            display.mark_if_changed_since(session, idea_id, drawn)


def _run_recorded(db: Database, key: str) -> bool:
    with db.transaction() as session:
        return bool(campaign_store.existing_run_keys(session, keys=[key]))


def _record_run(db: Database, key: str, *, now: datetime) -> None:
    with db.transaction() as session:
        campaign_store.claim_scheduled_run(session, key=key, now=now)


def closes_to_finish(db: Database) -> list[int]:
    """Return closed campaigns whose report is not sent to managers or whose repeat is not made.

    The closing job runs once, so these are closes cut short, such as by a
    restart, for a periodic job to finish.
    """
    with db.transaction() as session:
        closed = campaign_store.list_campaigns(session, statuses=("closed",))
        wanted = {
            campaign.id: [report_enqueued_key(campaign.id)]
            + ([campaigns.repeat_key(campaign.id)] if campaign.repeat_quarterly else [])
            for campaign in closed
        }
        done = campaign_store.existing_run_keys(
            session, keys=[key for keys in wanted.values() for key in keys]
        )
    return [campaign_id for campaign_id, keys in wanted.items() if not set(keys) <= done]
