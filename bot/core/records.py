"""Plain records the core returns, detached from the database session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core.participation_records import ParticipationReport


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
    # The questions in order, and empty for a campaign created without topics.
    topics: tuple[TopicRecord, ...] = ()
    hide_counts: bool = False
    repeat_quarterly: bool = False
    # The user id of the manager who created it; None when made from the CLI.
    created_by: str | None = None
    # Days that start with a reminder, and hours before the close of the last one (0: none).
    reminder_days: tuple[int, ...] = (10,)
    final_reminder_hours: int = 48
    # The close as planned, which an early close leaves as it was.
    planned_ends_at: datetime | None = None
    # The campaign's channel on each platform it runs on, its own platform first.
    channels: tuple[tuple[str, str], ...] = ()

    def channel_on(self, platform: str) -> str | None:
        """Return the campaign's channel on a platform, or None when it does not run there."""
        if platform == self.platform:
            return self.channel_id
        return dict(self.channels).get(platform)


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
    # The campaign's setting: counts stay off the idea message until the campaign closes.
    hide_counts: bool = False
    # The campaign question the idea answers; both are None until a topic is chosen.
    topic_id: int | None = None
    topic_question: str | None = None
    # The Your Shout board the idea was posted to, and whether it takes votes now.
    board_id: int | None = None
    board_open: bool = False
    # The answer: a status name such as "planned" (None until answered) and its reply.
    status: str | None = None
    status_reply: str | None = None
    # Who takes the idea forward, as the person answering wrote it, such as "Estates team".
    status_owner: str | None = None
    created_at: datetime | None = None
    # "chat", or "paper" / "email" for an idea entered from a paper form or an email.
    source: str = "chat"
    # True while a moderator has it hidden: its message shows only a notice.
    hidden: bool = False
    # True once its author withdrew it: its message shows only a notice, for good.
    withdrawn: bool = False
    # The chat platform the idea was sent from and is posted on.
    platform: str = "slack"

    @property
    def voting_closed(self) -> bool:
        """Return whether the idea's campaign or board no longer takes votes."""
        if self.campaign_id is not None:
            return not self.campaign_open
        if self.board_id is not None:
            return not self.board_open
        return False


@dataclass(frozen=True)
class BoardRecord:
    """A Your Shout board as the chat adapters show it."""

    id: int
    platform: str
    team_id: str
    channel_id: str
    channel_name: str | None
    private: bool
    question: str
    status: str
    lead_id: str
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    closed_reason: str | None
    header_message_id: str | None
    # The weekly digest's local weekday (0 is Monday) and minutes after midnight.
    digest_weekday: int
    digest_minute: int
    lead_departed_at: datetime | None

    @property
    def is_open(self) -> bool:
        """Return whether the board takes ideas and votes."""
        return self.status == "open"


@dataclass(frozen=True)
class SubmittedIdea:
    """A stored idea and where it went: a campaign, a board, or neither (the standing list)."""

    idea: IdeaRecord
    campaign: CampaignRecord | None
    board: BoardRecord | None = None


@dataclass(frozen=True)
class VoteResult:
    """The result of casting, withdrawing or toggling a vote."""

    idea_id: int
    counted: bool
    changed: bool
    vote_count: int
    rejected_closed: bool = False
    notify_closed: bool = False
    # True when the idea is hidden by a moderator or withdrawn, so it takes no votes.
    rejected_hidden: bool = False
    # True while the idea's campaign hides vote counts, so replies must not state vote_count.
    counts_hidden: bool = False


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


@dataclass(frozen=True)
class RoleRecord:
    """A role granted to a person, with the time of the grant and the grantor."""

    platform: str
    user_id: str
    role: str
    granted_at: datetime
    # A user id, or a label such as "cli" or "STAFFVOICE_MANAGERS".
    granted_by: str


@dataclass(frozen=True)
class FairRankedIdea:
    """An idea in a campaign's final report, with its fair rank and the counts behind it."""

    rank: int
    idea_id: int
    text: str
    author_name: str | None
    anonymous: bool
    vote_count: int
    comment_count: int
    posted_at: datetime
    # The campaign day, counting the local date of the campaign's start as day 1.
    posted_day: int
    # Distinct people with a standing vote, on any idea of the campaign, cast at
    # or after this idea was posted.
    active_voter_count: int
    # The Wilson score lower bound of vote_count out of active_voter_count.
    score: float
    channel_id: str | None
    message_id: str | None


@dataclass(frozen=True)
class TopicRanking:
    """A topic's top ideas in a final report, or the ideas with no topic when topic_id is None."""

    topic_id: int | None
    question: str | None
    idea_count: int
    top_ideas: tuple[FairRankedIdea, ...]


@dataclass(frozen=True)
class CampaignTotals:
    """A campaign's counts of ideas, comments not deleted, votes and participants."""

    idea_count: int
    comment_count: int
    vote_count: int
    participant_count: int


@dataclass(frozen=True)
class DayActivity:
    """A campaign day's new ideas, comments and votes."""

    # The local date the campaign day starts on.
    day: date
    # The campaign day: day 1 starts at the opening, each next one a local day later.
    day_number: int
    idea_count: int
    comment_count: int
    vote_count: int

    @property
    def activity_count(self) -> int:
        """Return the day's ideas, comments and votes added together."""
        return self.idea_count + self.comment_count + self.vote_count


@dataclass(frozen=True)
class SeriesComparison:
    """The previous campaign of a series, its totals, and the change since then."""

    previous: CampaignRecord
    previous_totals: CampaignTotals
    # This campaign's totals minus the previous campaign's.
    difference: CampaignTotals


@dataclass(frozen=True)
class AnswerStats:
    """How many of a campaign's visible ideas got an answer, and how soon."""

    campaign_id: int
    # Ideas neither hidden nor withdrawn.
    idea_count: int
    # Ideas with a status, and those marked done.
    answered_count: int
    done_count: int
    # The median of the days from each answered idea's creation to its first status
    # change, or None while no idea is answered.
    median_days_to_answer: float | None


@dataclass(frozen=True)
class CampaignReport:
    """A campaign's final report: totals, busiest days, series comparison and ranked ideas."""

    campaign: CampaignRecord
    # The ranking method in one or two sentences, for readers of the report.
    method: str
    # The IANA time zone the days are counted in, such as Europe/London.
    timezone: str
    has_topics: bool
    totals: CampaignTotals
    busiest_days: tuple[DayActivity, ...]
    comparison: SeriesComparison | None
    topics: tuple[TopicRanking, ...]
    # Who took part, by group; None until delivery adds it, and in reports built without it.
    participation: ParticipationReport | None = None
    # How many ideas were answered and how soon; None in reports built without it.
    answers: AnswerStats | None = None


@dataclass(frozen=True)
class TopicRecord:
    """A question a campaign asks, with its 1-based position in the campaign."""

    id: int
    position: int
    question: str
