"""The App Home tab's content: what one person sees there, read section by section.

Everyone gets the open campaigns and boards, their own ideas and the thanks they
received. Engagement managers also get the moderation queue, the last closed
campaign's figures and the campaign ideas still waiting for an answer. Each
section is read in its own transaction, so a failure in one leaves the others
to show, and HomeContent.failed names the sections that could not be read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.core import moderation, roles
from bot.core.anonymity import author_hash
from bot.core.moderation import QueueEntry
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from bot.core.participation_report import participation_report
from bot.core.records import Person
from bot.core.statuses import status_label
from storage import home as store
from storage.database import Database

logger = logging.getLogger(__name__)

# How many items each list shows. The count beside each list includes the rest.
OWN_IDEAS_LIMIT = 10
THANKS_LIMIT = 3
QUEUE_LIMIT = 5
AWAITING_LIMIT = 5

# Section names, as HomeContent.failed lists them.
ROLE = "role"
CAMPAIGNS = "campaigns"
BOARDS = "boards"
OWN_IDEAS = "own_ideas"
THANKS = "thanks"
MODERATION = "moderation"
LAST_REPORT = "last_report"
AWAITING = "awaiting"

T = TypeVar("T")


@dataclass(frozen=True)
class HomeCampaign:
    """An open campaign with its questions, in the order the campaign asks them."""

    id: int
    title: str
    channel_id: str
    ends_at: datetime
    questions: tuple[str, ...]


@dataclass(frozen=True)
class HomeBoard:
    """An open Your Shout board."""

    id: int
    channel_id: str
    channel_name: str | None
    question: str
    private: bool


@dataclass(frozen=True)
class OwnIdea:
    """One of the person's ideas with its status, reply and owner."""

    id: int
    text: str
    anonymous: bool
    created_at: datetime
    # None until the idea has a status.
    status: str | None
    status_label: str
    reply: str | None
    owner: str | None
    campaign_id: int | None
    campaign_title: str | None
    board_id: int | None
    board_channel_id: str | None
    channel_id: str | None
    message_id: str | None


@dataclass(frozen=True)
class OwnIdeas:
    """The person's latest ideas, newest first, and how many they have in all."""

    ideas: tuple[OwnIdea, ...]
    total: int


@dataclass(frozen=True)
class ReceivedThanks:
    """A thank-you card the person received."""

    id: int
    giver_id: str
    message: str
    created_at: datetime


@dataclass(frozen=True)
class ThanksReceived:
    """The latest thank-you cards the person received, newest first, and how many in all."""

    latest: tuple[ReceivedThanks, ...]
    total: int


@dataclass(frozen=True)
class ModerationSection:
    """The oldest items of the moderation queue, and how many items wait in all."""

    entries: tuple[QueueEntry, ...]
    total: int


@dataclass(frozen=True)
class LastReport:
    """The figures of the campaign that closed last."""

    campaign_id: int
    title: str
    closed_at: datetime
    # From the participation report: people who took part under their own name.
    participants: int
    # None without a staff list.
    headcount: int | None
    rate: float | None
    # Shown ideas, and how many of them have a status.
    ideas: int
    answered: int


@dataclass(frozen=True)
class AwaitingIdea:
    """A campaign idea that has no status yet."""

    id: int
    text: str
    anonymous: bool
    author_name: str | None
    campaign_id: int
    campaign_title: str
    vote_count: int
    comment_count: int
    channel_id: str | None
    message_id: str | None


@dataclass(frozen=True)
class AwaitingIdeas:
    """The campaign ideas waiting for an answer, most votes first, and how many wait in all."""

    ideas: tuple[AwaitingIdea, ...]
    total: int
    # Every campaign idea counted the same way, answered or not, so an empty list can say
    # whether everything is answered or there is nothing to answer yet.
    campaign_ideas: int


@dataclass(frozen=True)
class HomeContent:
    """Everything one person's Home tab shows.

    A section is None when it does not apply to the person or could not be
    read, and failed names the sections that could not be read. last_report
    is also None while no campaign has closed.
    """

    person: Person
    is_manager: bool
    campaigns: tuple[HomeCampaign, ...] | None
    boards: tuple[HomeBoard, ...] | None
    own_ideas: OwnIdeas | None
    thanks: ThanksReceived | None
    moderation: ModerationSection | None = None
    last_report: LastReport | None = None
    awaiting: AwaitingIdeas | None = None
    failed: tuple[str, ...] = ()


def home_content(
    db: Database,
    person: Person,
    *,
    anon_key: str | None,
    timezone: ZoneInfo,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> HomeContent:
    """Read what the person's Home tab shows, leaving out any section that fails.

    Every list is limited, so the work is a fixed number of queries whatever
    the size of the organisation. The manager sections are read only for an
    engagement manager.
    """
    failed: list[str] = []

    def read(name: str, reader: Callable[[], T]) -> T | None:
        try:
            return reader()
        except Exception:
            logger.exception(
                "Home tab section %s failed for %s user %s", name, person.platform, person.user_id
            )
            failed.append(name)
            return None

    is_manager = bool(read(ROLE, lambda: roles.is_manager(db, person)))
    content = HomeContent(
        person=person,
        is_manager=is_manager,
        campaigns=read(CAMPAIGNS, lambda: _campaigns(db, person)),
        boards=read(BOARDS, lambda: _boards(db, person)),
        own_ideas=read(OWN_IDEAS, lambda: _own_ideas(db, person, anon_key=anon_key)),
        thanks=read(THANKS, lambda: _thanks(db, person)),
    )
    if is_manager:
        content = replace(
            content,
            moderation=read(MODERATION, lambda: _moderation(db, person)),
            last_report=read(
                LAST_REPORT,
                lambda: _last_report(
                    db, person, timezone=timezone, now=now, min_group_size=min_group_size
                ),
            ),
            awaiting=read(AWAITING, lambda: _awaiting(db, person)),
        )
    content = replace(content, failed=tuple(failed))
    logger.info(
        "Home tab read for %s user %s (manager %s, %s failed sections)",
        person.platform,
        person.user_id,
        is_manager,
        len(failed),
    )
    return content


def _campaigns(db: Database, person: Person) -> tuple[HomeCampaign, ...]:
    with db.transaction() as session:
        campaigns = store.list_open_campaigns(session, platform=person.platform)
        topics = store.list_topics(session, [campaign.id for campaign in campaigns])
        questions: dict[int, list[str]] = {}
        for topic in topics:
            questions.setdefault(topic.campaign_id, []).append(topic.question)
        return tuple(
            HomeCampaign(
                id=campaign.id,
                title=campaign.title,
                channel_id=campaign.channel_id,
                ends_at=campaign.ends_at,
                questions=tuple(questions.get(campaign.id, ())),
            )
            for campaign in campaigns
        )


def _boards(db: Database, person: Person) -> tuple[HomeBoard, ...]:
    with db.transaction() as session:
        boards = store.list_open_boards(session, platform=person.platform, user_id=person.user_id)
        return tuple(
            HomeBoard(
                id=board.id,
                channel_id=board.channel_id,
                channel_name=board.channel_name,
                question=board.question,
                private=bool(board.private),
            )
            for board in boards
        )


def _own_ideas(db: Database, person: Person, *, anon_key: str | None) -> OwnIdeas:
    # Without the key no anonymous idea can be matched to anyone, so only named ones show.
    signature = author_hash(anon_key, person) if anon_key is not None else None
    with db.transaction() as session:
        rows = store.list_own_ideas(
            session,
            platform=person.platform,
            user_id=person.user_id,
            author_hash=signature,
            limit=OWN_IDEAS_LIMIT,
        )
        total = store.count_own_ideas(
            session, platform=person.platform, user_id=person.user_id, author_hash=signature
        )
        ideas = tuple(
            OwnIdea(
                id=idea.id,
                text=idea.text,
                anonymous=bool(idea.anonymous),
                created_at=idea.created_at,
                status=idea.status,
                status_label=status_label(idea.status),
                reply=idea.status_reply,
                owner=idea.status_owner,
                campaign_id=idea.campaign_id,
                campaign_title=campaign_title,
                board_id=idea.board_id,
                board_channel_id=board_channel_id,
                channel_id=idea.channel_id,
                message_id=idea.message_id,
            )
            for idea, campaign_title, board_channel_id in rows
        )
    return OwnIdeas(ideas=ideas, total=total)


def _thanks(db: Database, person: Person) -> ThanksReceived:
    with db.transaction() as session:
        cards = store.list_thanks_received(
            session, platform=person.platform, user_id=person.user_id, limit=THANKS_LIMIT
        )
        total = store.count_thanks_received(
            session, platform=person.platform, user_id=person.user_id
        )
        latest = tuple(
            ReceivedThanks(
                id=card.id, giver_id=card.giver_id, message=card.message, created_at=card.created_at
            )
            for card in cards
        )
    return ThanksReceived(latest=latest, total=total)


def _moderation(db: Database, person: Person) -> ModerationSection:
    # NOTE: moderation_queue reads each entry's idea or comment with its own queries,
    # which QUEUE_LIMIT bounds.
    entries = moderation.moderation_queue(db, person, limit=QUEUE_LIMIT)
    with db.transaction() as session:
        total = store.count_open_moderation_items(session)
    return ModerationSection(entries=tuple(entries), total=max(total, len(entries)))


def _last_report(
    db: Database, person: Person, *, timezone: ZoneInfo, now: datetime, min_group_size: int
) -> LastReport | None:
    """Return the figures of the campaign that closed last, or None when none has closed.

    The participation report of a closed campaign stores its headcounts the
    first time it is built, as `/campaign report` would.
    """
    with db.transaction() as session:
        campaign = store.latest_closed_campaign(session, platform=person.platform)
        if campaign is None:
            return None
        campaign_id, title = campaign.id, campaign.title
        closed_at = campaign.closed_at or campaign.ends_at
        ideas, answered = store.count_answered_ideas(session, campaign_id)
    report = participation_report(
        db, campaign_id=campaign_id, timezone=timezone, now=now, min_group_size=min_group_size
    )
    return LastReport(
        campaign_id=campaign_id,
        title=title,
        closed_at=closed_at,
        participants=report.participants,
        headcount=report.headcount,
        rate=report.rate,
        ideas=ideas,
        answered=answered,
    )


def _awaiting(db: Database, person: Person) -> AwaitingIdeas:
    with db.transaction() as session:
        rows = store.list_awaiting_answer(session, platform=person.platform, limit=AWAITING_LIMIT)
        total = store.count_awaiting_answer(session, platform=person.platform)
        campaign_ideas = store.count_campaign_ideas(session, platform=person.platform)
        ideas = tuple(
            AwaitingIdea(
                id=idea.id,
                text=idea.text,
                anonymous=bool(idea.anonymous),
                author_name=None if idea.anonymous else idea.author_name,
                campaign_id=campaign_id,
                campaign_title=campaign_title,
                vote_count=idea.vote_count,
                comment_count=idea.comment_count,
                channel_id=idea.channel_id,
                message_id=idea.message_id,
            )
            for idea, campaign_id, campaign_title in rows
        )
    return AwaitingIdeas(ideas=ideas, total=total, campaign_ideas=campaign_ideas)
