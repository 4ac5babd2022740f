"""Ideas: submission, the campaign an idea belongs to, and listing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.campaigns import campaign_record
from bot.core.errors import InvalidInput, NotFound
from bot.core.records import IdeaRecord, Person, SubmittedIdea
from storage import campaigns as campaign_store
from storage import ideas as idea_store
from storage.database import Database
from storage.models import Campaign, Idea

logger = logging.getLogger(__name__)

# An idea is one point a colleague can read in the channel at a glance; the
# longer case belongs in the detail. Both limits keep the rendered message
# within Slack's 3,000-character limit on a section block's text after
# escaping, which the message builder splits across blocks when needed.
MAX_IDEA_LENGTH = 1000
MAX_DETAIL_LENGTH = 3000
# An idea whose message was claimed but not recorded within this time is
# taken to have failed to post, and may be posted again.
POST_RETRY_AFTER = timedelta(minutes=1)


def idea_record(idea: Idea, campaign: Campaign | None) -> IdeaRecord:
    """Copy an idea row into a detached record."""
    return IdeaRecord(
        id=idea.id,
        campaign_id=idea.campaign_id,
        text=idea.text,
        detail=idea.detail,
        anonymous=idea.anonymous,
        author_id=idea.author_id,
        author_name=None if idea.anonymous else idea.author_name,
        channel_id=idea.channel_id,
        message_id=idea.message_id,
        vote_count=idea.vote_count,
        comment_count=idea.comment_count,
        campaign_open=campaign is not None and campaign.status == "open",
    )


def validate_idea_text(text: str, *, detail: str | None = None) -> tuple[str, str | None]:
    """Return the idea text and detail stripped, raising InvalidInput when either is unusable."""
    text = text.strip()
    if not text:
        raise InvalidInput(
            "Your idea is empty. Type it after the command, such as "
            "`/idea Move the team huddle to 9:15`, or send `/idea` alone to open a form.",
            field="text",
        )
    if len(text) > MAX_IDEA_LENGTH:
        raise InvalidInput(
            f"Your idea has {len(text)} characters; the maximum is {MAX_IDEA_LENGTH}. "
            "Send `/idea` alone to open a form with a separate detail box for the longer case.",
            field="text",
        )
    cleaned_detail = detail.strip() if detail else None
    if cleaned_detail and len(cleaned_detail) > MAX_DETAIL_LENGTH:
        raise InvalidInput(
            f"The detail has {len(cleaned_detail)} characters; the maximum is {MAX_DETAIL_LENGTH}.",
            field="detail",
        )
    return text, cleaned_detail or None


def _campaign_for(
    session: Session, *, platform: str, channel_id: str | None, now: datetime
) -> Campaign | None:
    """Pick the open campaign an idea goes to: the one run in this channel, else the newest."""
    # A campaign past its end that the close job has not closed yet takes no more ideas.
    open_campaigns = [
        campaign
        for campaign in campaign_store.list_open_campaigns(session, platform=platform)
        if campaign.ends_at > now
    ]
    for campaign in open_campaigns:
        if campaign.channel_id == channel_id:
            return campaign
    return open_campaigns[0] if open_campaigns else None


def _campaign_of(session: Session, idea: Idea) -> Campaign | None:
    if idea.campaign_id is None:
        return None
    return campaign_store.get_campaign(session, idea.campaign_id)


def submit_idea(
    db: Database,
    author: Person,
    *,
    text: str,
    detail: str | None = None,
    anonymous: bool = False,
    channel_id: str | None = None,
    now: datetime,
) -> SubmittedIdea:
    """Store an idea in the open campaign, or in the standing ideas list when none is open.

    The idea is committed before anything is posted to the chat, so it is
    never lost; an anonymous idea stores no author id or name.
    """
    text, detail = validate_idea_text(text, detail=detail)
    with db.transaction() as session:
        campaign = _campaign_for(session, platform=author.platform, channel_id=channel_id, now=now)
        idea = idea_store.add_idea(
            session,
            campaign_id=campaign.id if campaign else None,
            platform=author.platform,
            team_id=author.team_id,
            author_id=None if anonymous else author.user_id,
            author_name=None if anonymous else author.display_name,
            anonymous=anonymous,
            text=text,
            detail=detail,
            channel_id=campaign.channel_id if campaign else None,
            created_at=now,
        )
        result = SubmittedIdea(
            idea=idea_record(idea, campaign),
            campaign=campaign_record(campaign) if campaign else None,
        )
    logger.info(
        "Stored idea %s in campaign %s (anonymous=%s)",
        result.idea.id,
        result.campaign.id if result.campaign else None,
        anonymous,
    )
    return result


def get_idea(db: Database, idea_id: int) -> IdeaRecord:
    """Return an idea, raising NotFound when there is none with this id."""
    with db.transaction() as session:
        idea = idea_store.get_idea(session, idea_id)
        if idea is None:
            raise NotFound(f"There is no idea {idea_id}; it may have been removed.")
        campaign = (
            campaign_store.get_campaign(session, idea.campaign_id) if idea.campaign_id else None
        )
        return idea_record(idea, campaign)


def find_idea_by_message(
    db: Database, *, platform: str, channel_id: str, message_id: str
) -> IdeaRecord | None:
    """Return the idea a chat message shows, or None when the message is not an idea."""
    with db.transaction() as session:
        idea = idea_store.get_idea_by_message(
            session, platform=platform, channel_id=channel_id, message_id=message_id
        )
        if idea is None:
            return None
        campaign = (
            campaign_store.get_campaign(session, idea.campaign_id) if idea.campaign_id else None
        )
        return idea_record(idea, campaign)


def is_posting_idea(db: Database, *, platform: str, channel_id: str, now: datetime) -> bool:
    """Return whether an idea in the channel is being posted and has no message id yet."""
    with db.transaction() as session:
        return idea_store.has_idea_being_posted(
            session, platform=platform, channel_id=channel_id, claimed_after=now - POST_RETRY_AFTER
        )


def claim_idea_post(db: Database, idea_id: int, *, now: datetime) -> bool:
    """Claim the posting of an idea's message for this process."""
    with db.transaction() as session:
        return idea_store.claim_idea_post(session, idea_id, now=now, retry_after=POST_RETRY_AFTER)


def record_idea_message(db: Database, idea_id: int, *, message_id: str, vote_count: int) -> None:
    """Store the id of the message that shows an idea, and the count it shows."""
    with db.transaction() as session:
        idea_store.set_idea_message(session, idea_id, message_id=message_id, vote_count=vote_count)


def unposted_ideas(db: Database, *, now: datetime, limit: int = 50) -> list[IdeaRecord]:
    """Return ideas that should have a message in a channel but have none yet."""
    with db.transaction() as session:
        ideas = idea_store.list_unposted_ideas(session, before=now - POST_RETRY_AFTER, limit=limit)
        return [idea_record(idea, _campaign_of(session, idea)) for idea in ideas]


def export_ideas(db: Database, *, campaign_id: int | None = None) -> list[dict[str, object]]:
    """Return every idea as a plain dict for scripts: author is None when anonymous."""
    with db.transaction() as session:
        return [
            {
                "id": idea.id,
                "campaign_id": idea.campaign_id,
                "text": idea.text,
                "detail": idea.detail,
                "author": None if idea.anonymous else idea.author_id,
                "author_name": None if idea.anonymous else idea.author_name,
                "anonymous": idea.anonymous,
                "created_at": idea.created_at.isoformat(),
                "votes": idea.vote_count,
                "comments": idea.comment_count,
            }
            for idea in idea_store.list_ideas(session, campaign_id=campaign_id)
        ]
