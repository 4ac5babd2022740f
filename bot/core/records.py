"""Plain records the core returns, detached from the database session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Person:
    """A member of staff on one chat platform: the platform, workspace or tenant, and user."""

    platform: str
    team_id: str
    user_id: str
    display_name: str | None = None


@dataclass(frozen=True)
class CampaignRecord:
    """A campaign as the chat adapters and the command line show it."""

    id: int
    title: str
    platform: str
    channel_id: str
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass(frozen=True)
class IdeaRecord:
    """An idea as the chat adapters show it."""

    id: int
    campaign_id: int | None
    text: str
    detail: str | None
    anonymous: bool
    author_id: str | None
    author_name: str | None
    channel_id: str | None
    message_id: str | None
    vote_count: int
    comment_count: int
    campaign_open: bool


@dataclass(frozen=True)
class SubmittedIdea:
    """A stored idea and its campaign, which is None when it went to the standing ideas list."""

    idea: IdeaRecord
    campaign: CampaignRecord | None


@dataclass(frozen=True)
class VoteResult:
    """The result of casting, withdrawing or toggling a vote."""

    idea_id: int
    counted: bool
    changed: bool
    vote_count: int
    rejected_closed: bool = False
    notify_closed: bool = False


@dataclass(frozen=True)
class RankedIdea:
    """An idea in a ranking, with its position."""

    rank: int
    idea_id: int
    text: str
    author_name: str | None
    anonymous: bool
    vote_count: int
    comment_count: int
    channel_id: str | None
    message_id: str | None


@dataclass(frozen=True)
class CampaignSummary:
    """The totals and top ideas of a campaign."""

    campaign: CampaignRecord
    idea_count: int
    comment_count: int
    vote_count: int
    participant_count: int
    top_ideas: tuple[RankedIdea, ...]
