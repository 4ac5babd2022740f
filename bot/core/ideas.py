"""Ideas: submission, the campaign and topic an idea belongs to, and listing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.anonymity import author_hash, hash_matches
from bot.core.boards import board_record
from bot.core.campaigns import campaign_record
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.participation import (
    DEFAULT_MIN_GROUP_SIZE,
    record_anonymous_idea,
    record_contribution,
)
from bot.core.records import CampaignRecord, IdeaRecord, Person, SubmittedIdea
from storage import boards as board_store
from storage import campaigns as campaign_store
from storage import ideas as idea_store
from storage import topics as topic_store
from storage.database import Database
from storage.models import Board, Campaign, Idea, Topic

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


def idea_record(
    idea: Idea, campaign: Campaign | None, topic: Topic | None = None, board: Board | None = None
) -> IdeaRecord:
    """Copy an idea row, with its campaign's or board's state and its topic, into a record."""
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
        hide_counts=campaign is not None and bool(campaign.hide_counts),
        topic_id=topic.id if topic is not None else None,
        topic_question=topic.question if topic is not None else None,
        board_id=idea.board_id,
        board_open=board is not None and board.status == "open",
        status=idea.status,
        status_reply=idea.status_reply,
        status_owner=idea.status_owner,
        created_at=idea.created_at,
        source=idea.source,
        hidden=idea.hidden_at is not None,
        withdrawn=idea.withdrawn_at is not None,
        platform=idea.platform,
    )


def _load_record(session: Session, idea: Idea) -> IdeaRecord:
    """Return the record of an idea row, reading its campaign, board and topic in one session."""
    topic = topic_store.get_topic(session, idea.topic_id) if idea.topic_id is not None else None
    board = board_store.get_board(session, idea.board_id) if idea.board_id is not None else None
    return idea_record(idea, _campaign_of(session, idea), topic, board)


def validate_new_idea_topic(
    db: Database, *, platform: str, channel_id: str | None, topic_id: int | None, now: datetime
) -> None:
    """Raise InvalidInput, as submit_idea would, for a topic_id of another campaign.

    The campaign is the one a new idea from channel_id goes to. A form calls
    this before acknowledging, so the error can show beside its menu.
    """
    with db.transaction() as session:
        campaign = _campaign_for(session, platform=platform, channel_id=channel_id, now=now)
        _topic_for_new_idea(session, campaign, topic_id)


def validate_idea_text(text: str, *, detail: str | None = None) -> tuple[str, str | None]:
    """Return the idea text and detail stripped, raising InvalidInput when either is unusable."""
    text = text.strip()
    if not text:
        raise InvalidInput("Your idea is empty: write the idea in a sentence or two.", field="text")
    if len(text) > MAX_IDEA_LENGTH:
        raise InvalidInput(
            f"Your idea has {len(text)} characters; the maximum is {MAX_IDEA_LENGTH}. "
            "Shorten it, and put the longer case in the detail.",
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
    """Pick the open campaign an idea goes to, or None when it goes to a board or the list.

    The campaign run in this channel comes first. Next, a channel with an open
    board sends its ideas to the board. Any other channel gets the newest campaign.
    """
    # A campaign past its end that the close job has not closed yet takes no more ideas.
    open_campaigns = [
        campaign
        for campaign in campaign_store.list_open_campaigns(session, platform=platform)
        if campaign.ends_at > now
    ]
    for campaign in open_campaigns:
        if _channel_on(session, campaign, platform) == channel_id:
            return campaign
    if _board_for(session, platform=platform, channel_id=channel_id) is not None:
        return None
    return open_campaigns[0] if open_campaigns else None


def _channel_on(session: Session, campaign: Campaign, platform: str) -> str | None:
    """Return the campaign's channel on a platform, or None when it does not run there."""
    if campaign.platform == platform:
        return campaign.channel_id
    other = campaign_store.get_campaign_channel(session, campaign.id, platform=platform)
    return other.channel_id if other is not None else None


def _board_for(session: Session, *, platform: str, channel_id: str | None) -> Board | None:
    """Return the open board of the channel, or None."""
    if channel_id is None:
        return None
    return board_store.open_board_in_channel(session, platform=platform, channel_id=channel_id)


def _campaign_of(session: Session, idea: Idea) -> Campaign | None:
    if idea.campaign_id is None:
        return None
    return campaign_store.get_campaign(session, idea.campaign_id)


def campaign_for_new_idea(
    db: Database, *, platform: str, channel_id: str | None, now: datetime
) -> CampaignRecord | None:
    """Return the open campaign an idea sent from this channel would go to, with its topics."""
    with db.transaction() as session:
        campaign = _campaign_for(session, platform=platform, channel_id=channel_id, now=now)
        return campaign_record(campaign) if campaign else None


def _topic_for_new_idea(
    session: Session, campaign: Campaign | None, topic_id: int | None
) -> Topic | None:
    """Return the topic a new idea answers, raising InvalidInput for a topic of another campaign.

    A campaign with exactly one topic gets it without asking. With several, an
    idea sent without a topic is stored with none, and its author picks one later.
    """
    topics = topic_store.list_topics(session, campaign.id) if campaign is not None else []
    if topic_id is None:
        return topics[0] if len(topics) == 1 else None
    topic = next((topic for topic in topics if topic.id == topic_id), None)
    if topic is None:
        raise InvalidInput(
            "The topic you chose is no longer one of the open campaign's questions. "
            "Copy your idea, close this form and open it again to see the current topics.",
            field="topic",
        )
    return topic


def submit_idea(
    db: Database,
    author: Person,
    *,
    text: str,
    detail: str | None = None,
    anonymous: bool = False,
    channel_id: str | None = None,
    topic_id: int | None = None,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    anon_key: str | None = None,
    also: Callable[[Session, int], None] | None = None,
) -> SubmittedIdea:
    """Store an idea in an open campaign, on the channel's open board, or in the standing list.

    The campaign run in the channel takes it first, then the channel's open
    Your Shout board, then the newest open campaign. The idea is committed
    before anything is posted to the chat, so it is never lost; an anonymous
    idea stores no author id or name. A topic_id that is not a topic of the
    campaign the idea goes to raises InvalidInput with field "topic", and
    nothing is stored. In a campaign or on a board, the same transaction
    snapshots a named author's groups, or counts an anonymous idea by groups
    of at least min_group_size people. An anonymous idea stores the author's
    hash under anon_key, so its author can manage it. The chat adapters post
    anonymously only when there is a key. also, when given, runs with the
    session and the new idea's id before the commit, so its changes and the
    idea are stored together or not at all.
    """
    text, detail = validate_idea_text(text, detail=detail)
    with db.transaction() as session:
        campaign = _campaign_for(session, platform=author.platform, channel_id=channel_id, now=now)
        board = (
            _board_for(session, platform=author.platform, channel_id=channel_id)
            if campaign is None
            else None
        )
        topic = _topic_for_new_idea(session, campaign, topic_id)
        if campaign is not None:
            destination_channel = _channel_on(session, campaign, author.platform)
        else:
            destination_channel = board.channel_id if board is not None else None
        idea = idea_store.add_idea(
            session,
            campaign_id=campaign.id if campaign else None,
            board_id=board.id if board else None,
            platform=author.platform,
            team_id=author.team_id,
            author_id=None if anonymous else author.user_id,
            author_name=None if anonymous else author.display_name,
            anonymous=anonymous,
            text=text,
            detail=detail,
            channel_id=destination_channel,
            created_at=now,
            topic_id=topic.id if topic else None,
        )
        if anonymous and anon_key is not None:
            idea.author_hash = author_hash(anon_key, author)
        destination = {
            "campaign_id": campaign.id if campaign else None,
            "board_id": board.id if board else None,
        }
        if anonymous:
            record_anonymous_idea(session, author, min_group_size=min_group_size, **destination)
        else:
            record_contribution(session, author, now=now, **destination)
        if also is not None:
            also(session, idea.id)
        result = SubmittedIdea(
            idea=idea_record(idea, campaign, topic, board),
            campaign=campaign_record(campaign) if campaign else None,
            board=board_record(board) if board else None,
        )
    logger.info(
        "Stored idea %s in campaign %s, board %s, topic %s (anonymous=%s)",
        result.idea.id,
        result.campaign.id if result.campaign else None,
        result.board.id if result.board else None,
        result.idea.topic_id,
        anonymous,
    )
    return result


def choose_idea_topic(
    db: Database,
    chooser: Person,
    *,
    idea_id: int,
    topic_id: int,
    now: datetime,
    anon_key: str | None = None,
) -> IdeaRecord:
    """Set the topic an idea answers, on the request of its author, and return the idea.

    Raises PermissionDenied for anyone but the author: the stored author of a
    named idea, or the person whose hash under anon_key an anonymous idea stores.
    Raises InvalidInput once the campaign has closed or for a topic of another
    campaign; nothing changes then.
    """
    with db.transaction() as session:
        idea = idea_store.get_idea(session, idea_id)
        if idea is None:
            raise NotFound(f"There is no idea {idea_id}; it may have been removed.")
        is_author = (
            idea.author_id is not None
            and idea.author_id == chooser.user_id
            and idea.platform == chooser.platform
            and idea.team_id == chooser.team_id
        ) or hash_matches(idea.author_hash, key=anon_key, person=chooser)
        if not is_author:
            raise PermissionDenied(
                f"Only the person who posted idea {idea_id} can choose its topic, "
                "so it was not changed."
            )
        campaign = _campaign_of(session, idea)
        if campaign is None:
            raise InvalidInput(
                f"Idea {idea_id} is not in a campaign, so it has no topics to choose from.",
                field="topic",
            )
        if campaign.status == "closed" or campaign.ends_at <= now:
            raise InvalidInput(
                f"This campaign has closed, so the topic of idea {idea_id} can no longer change.",
                field="topic",
            )
        topic = topic_store.get_topic(session, topic_id)
        if topic is None or topic.campaign_id != campaign.id:
            raise InvalidInput(
                f"That topic is no longer one of this campaign's questions, so idea {idea_id} "
                "keeps its current topic.",
                field="topic",
            )
        idea_store.set_idea_topic(session, idea_id, topic_id=topic.id)
        record = idea_record(idea, campaign, topic)
    logger.info("Idea %s assigned to topic %s by its author", idea_id, topic_id)
    return record


def get_idea(db: Database, idea_id: int) -> IdeaRecord:
    """Return an idea, raising NotFound when there is none with this id."""
    with db.transaction() as session:
        idea = idea_store.get_idea(session, idea_id)
        if idea is None:
            raise NotFound(f"There is no idea {idea_id}; it may have been removed.")
        return _load_record(session, idea)


def find_idea_by_message(
    db: Database, *, platform: str, channel_id: str, message_id: str
) -> IdeaRecord | None:
    """Return the idea a chat message shows, or None when the message is not an idea."""
    with db.read() as session:
        idea = idea_store.get_idea_by_message(
            session, platform=platform, channel_id=channel_id, message_id=message_id
        )
        if idea is None:
            return None
        return _load_record(session, idea)


def is_posting_idea(db: Database, *, platform: str, channel_id: str, now: datetime) -> bool:
    """Return whether an idea in the channel is being posted and has no message id yet."""
    with db.read() as session:
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
        return [_load_record(session, idea) for idea in ideas]


def export_ideas(db: Database, *, campaign_id: int | None = None) -> list[dict[str, object]]:
    """Return every idea as a plain dict for scripts: author is None when anonymous.

    Ideas on boards in private channels are left out: only the channel's
    members may read them, and an export has no member to check. Hidden and
    withdrawn ideas are left out too.
    """
    with db.transaction() as session:
        private_boards = {board.id for board in board_store.list_boards(session) if board.private}
        return [
            {
                "id": idea.id,
                "campaign_id": idea.campaign_id,
                "board_id": idea.board_id,
                "text": idea.text,
                "detail": idea.detail,
                "author": None if idea.anonymous else idea.author_id,
                "author_name": None if idea.anonymous else idea.author_name,
                "anonymous": idea.anonymous,
                "created_at": idea.created_at.isoformat(),
                "votes": idea.vote_count,
                "comments": idea.comment_count,
                "status": idea.status,
                "status_reply": idea.status_reply,
            }
            for idea in idea_store.list_ideas(session, campaign_id=campaign_id, visible_only=True)
            if idea.board_id not in private_boards
        ]
