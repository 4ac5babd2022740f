"""The database schema as SQLAlchemy 2.x declarative models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime

# Fixed constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Identity columns are sized for Slack ids (U/C/T followed by up to a few dozen
# characters) and Microsoft Teams ids, which are longer.
ID_LENGTH = 128


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Campaign(Base):
    """An organisation-wide conversation that is open between starts_at and ends_at."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    launch_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    launch_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    summary_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who created it (a user id on the campaign's platform); None when made from the CLI.
    created_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # Vote counts stay hidden on idea messages until the campaign closes.
    hide_counts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A quarterly campaign schedules the next one of its series when it closes.
    repeat_quarterly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The id of the first campaign of a series; None for a campaign on its own.
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Days after opening on which a reminder is posted, comma-separated ("10"), and
    # how many hours before the close the last reminder goes out (0 for none).
    reminder_days: Mapped[str] = mapped_column(String(100), default="10", server_default="10")
    final_reminder_hours: Mapped[int] = mapped_column(Integer, default=48, server_default="48")
    # The announcement posted ahead of the start, with its "Remind me" button.
    announcement_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # The close as planned, which an early close leaves as it was; None for
    # campaigns created before it was stored, whose ends_at is the plan.
    planned_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the retention job anonymised the campaign's contributions.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A "You said, we did" update is posted in the campaign's channel on the
    # first day of each month while this is on.
    yousaid_monthly: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (Index(None, "status"),)


class Topic(Base):
    """A question a campaign asks staff, such as "How could we recognise each other's work?"."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("campaign_id", "position"),)


class Board(Base):
    """A "Your Shout" board: a team channel's standing question that staff answer with ideas."""

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    channel_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # The channel's name when last seen, for messages that cannot link to it.
    channel_name: Mapped[str | None] = mapped_column(String(200))
    # A board in a private channel shows its ideas only to the channel's members.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    question: Mapped[str] = mapped_column(String(300))
    # "open" or "closed"; a closed board keeps its ideas and takes no votes.
    status: Mapped[str] = mapped_column(String(16), default="open")
    # Who runs the board: a user id on the board's platform.
    lead_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it closed: "lead" (closed from the chat or the CLI) or "archived" (channel archived).
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    # The message that shows the question in the channel.
    header_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # The weekly digest's local day (0 is Monday) and time in minutes after midnight.
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    digest_minute: Mapped[int] = mapped_column(Integer, default=540, server_default="540")
    # Set when the lead's account was deactivated, until a new lead is named.
    lead_departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # At most one open board per channel.
        Index(
            "uq_boards_open_channel",
            "platform",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index(None, "platform", "channel_id"),
    )


class Idea(Base):
    """An idea posted by a member of staff, in a campaign, on a board or in the standing list."""

    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    # The Your Shout board the idea was posted to; an idea has a campaign or a board, not both.
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id"), index=True)
    # Null until the author picks the topic the idea answers, in a campaign with several.
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Null when the idea was posted anonymously: the database keeps no trace of who wrote it.
    author_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    author_name: Mapped[str | None] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Where the idea is shown; both are null until the message is posted.
    channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    post_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    # The count the idea message last showed, and when it was last refreshed.
    shown_vote_count: Mapped[int | None] = mapped_column(Integer)
    shown_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The answer: a status such as "planned", the reply shown with it, and who set it when.
    status: Mapped[str | None] = mapped_column(String(32))
    status_reply: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # Who is taking the idea forward, as the person answering wrote it ("Estates team").
    status_owner: Mapped[str | None] = mapped_column(String(200))
    # "chat", or "paper" / "email" for an idea entered by a manager from the CLI.
    source: Mapped[str] = mapped_column(String(16), default="chat", server_default="chat")
    # For an anonymous idea: HMAC-SHA256 (hex) of the author's platform, workspace and user
    # under STAFFVOICE_ANON_KEY, so the author can manage it without being stored.
    author_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Set when a manager hides the idea; it stays stored for the audit trail.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # Set when the author withdrew it. The text is cleared and the message shows a notice.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Checks the author chose to post past, comma-separated: "personal_data", "concern".
    checks_overridden: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("platform", "channel_id", "message_id"),)


class IdeaStatusChange(Base):
    """One change of an idea's status, kept as a history of who answered what and when."""

    __tablename__ = "idea_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    reply: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    # A user id on the idea's platform, or "cli".
    changed_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Vote(Base):
    """One person's vote on one idea, however it was cast."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("idea_id", "platform", "team_id", "user_id"),)


class Comment(Base):
    """A reply in an idea message's thread; deletion clears the text and keeps a tombstone."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id"))
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Null for an anonymous comment, which the bot posts in the thread for its author.
    user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    message_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # As Idea.author_hash, for an anonymous comment.
    author_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    checks_overridden: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("idea_id", "message_id"),)


class ProcessedEvent(Base):
    """An event id already handled, so a redelivered event changes nothing twice."""

    __tablename__ = "processed_events"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ClosedVoteNotice(Base):
    """A voter already notified that a closed campaign no longer takes votes."""

    __tablename__ = "closed_vote_notices"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BoardVoteNotice(Base):
    """A voter already told that a closed board takes no votes."""

    __tablename__ = "board_vote_notices"

    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Role(Base):
    """A role granted to a person: "manager" (engagement manager) or "lead" (team lead)."""

    __tablename__ = "roles"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who granted it: a user id, or a label such as "cli" or "STAFFVOICE_MANAGERS".
    granted_by: Mapped[str] = mapped_column(String(ID_LENGTH))


class CampaignInterest(Base):
    """A person who requested a notification when a campaign opens."""

    __tablename__ = "campaign_interest"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """A message to send once: stored before sending, marked sent, retried after a failure."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    # A user id for a direct message, or a channel id.
    recipient: Mapped[str] = mapped_column(String(ID_LENGTH))
    # The message as JSON: text, and blocks or a card in the platform's own form.
    payload: Mapped[str] = mapped_column(Text)
    # Makes enqueueing idempotent, such as "opening:42:U0123".
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when sending is given up after repeated failures.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))

    __table_args__ = (Index(None, "sent_at", "failed_at", "not_before"),)


class ScheduledRun(Base):
    """A once-only scheduled effect that has happened, such as one day's digest."""

    __tablename__ = "scheduled_runs"

    # Such as "digest:2027-01-12" or "reminder:42:day-10".
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffImport(Base):
    """One load of the staff list, with what it changed."""

    __tablename__ = "staff_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    left: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class StaffMember(Base):
    """A person on the organisation's staff list, as loaded from the HR system's export."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Lower-cased; the key that matches a row of a later import to this one.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    directorate: Mapped[str | None] = mapped_column(String(200))
    band: Mapped[str | None] = mapped_column(String(50))
    staff_group: Mapped[str | None] = mapped_column(String(200))
    locality: Mapped[str | None] = mapped_column(String(200))
    # The person's chat account once matched, by an ID column or by email lookup.
    platform: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # "pending" until looked up, then "matched", "not_found" or "column" (given in the file).
    match_state: Mapped[str] = mapped_column(
        String(16), default="pending", server_default="pending"
    )
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when an import no longer lists the person; cleared if a later one does again.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index(None, "platform", "user_id"), Index(None, "match_state"))


class ParticipantGroup(Base):
    """A person's groups as they were at their first contribution to a campaign or board.

    Reports read these rows, not the staff list, so a later move between teams
    does not change a past report. Only people who took part under their own
    name get a row: an anonymous idea leaves none.
    """

    __tablename__ = "participant_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "campaign:12" or "board:3": the unique key of the conversation.
    scope: Mapped[str] = mapped_column(String(32))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id"), index=True)
    # A chat account, or platform "offline" for an idea entered from paper or email.
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    in_directory: Mapped[bool] = mapped_column(Boolean, default=False)
    directorate: Mapped[str | None] = mapped_column(String(200))
    band: Mapped[str | None] = mapped_column(String(50))
    staff_group: Mapped[str | None] = mapped_column(String(200))
    locality: Mapped[str | None] = mapped_column(String(200))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("scope", "platform", "team_id", "user_id"),)


class AnonymousContribution(Base):
    """A count of anonymous ideas by one group of one dimension, with no idea or person.

    The group is recorded only when it is at least the small-group size at the
    time of posting; a smaller group is counted as "other groups".
    """

    __tablename__ = "anonymous_contributions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    # "directorate", "band", "staff_group" or "locality".
    dimension: Mapped[str] = mapped_column(String(16))
    group_name: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("scope", "dimension", "group_name"),)


class GroupHeadcount(Base):
    """The staff list's headcount of one group when a campaign or board closed.

    Dimension "all" with group "all" contains the whole headcount.
    """

    __tablename__ = "group_headcounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(32))
    dimension: Mapped[str] = mapped_column(String(16))
    group_name: Mapped[str] = mapped_column(String(200))
    headcount: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("scope", "dimension", "group_name"),)


class GroupReminder(Base):
    """A reminder sent by direct message to the staff of chosen groups who had not taken part."""

    __tablename__ = "group_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    dimension: Mapped[str] = mapped_column(String(16))
    # The chosen groups as a JSON list of names.
    group_names: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)


class HeldPost(Base):
    """An idea or comment held back by a check before publishing, until its author decides.

    Deleted once the author edits, posts or withdraws it, or when it expires.
    """

    __tablename__ = "held_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "idea" or "comment".
    kind: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # The draft as JSON: text, detail, topic, anonymous, channel, thread and so on.
    payload: Mapped[str] = mapped_column(Text)
    # What the checks found, as JSON: kinds and counts, never the matched text.
    findings: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ModerationItem(Base):
    """An entry of the moderation queue: a report by staff or a post flagged by a check."""

    __tablename__ = "moderation_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "idea" or "comment", and its id.
    item_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer)
    # "report" (by a member of staff), "personal_data" or "concern" (posted past a
    # check), or "thread_personal_data" (a thread reply the bot could not hold back).
    source: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    # HMAC of the reporter, so one person's repeated reports of an item count once.
    reporter_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # "open", then "hidden", "restored" or "dismissed".
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    resolved_by: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index(None, "status", "created_at"),
        UniqueConstraint("item_kind", "item_id", "source", "reporter_hash"),
    )


class RelayMessage(Base):
    """A private message between a manager and the unnamed author of an idea or comment.

    The author is found again from the item's author or author_hash when a
    message goes to them, so no row links a manager's question to a person.
    """

    __tablename__ = "relay_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer, index=True)
    manager_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    # "to_author" or "to_manager".
    direction: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """One moderation action, role change, data export or erasure: who, what and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # A user id on the platform, "cli" or "scheduler".
    actor: Mapped[str] = mapped_column(String(ID_LENGTH))
    # Such as "hide", "restore", "dismiss", "role_grant", "export", "privacy_erase".
    action: Mapped[str] = mapped_column(String(32))
    # What it acted on, such as "idea:12", "campaign:3" or "user:U0123".
    subject: Mapped[str] = mapped_column(String(200))
    # Further facts as JSON: ids and counts, never the text of a post.
    detail: Mapped[str | None] = mapped_column(Text)


class YouSaidUpdate(Base):
    """A "You said, we did" update posted in a campaign's channel.

    Each update covers the status changes after the previous update's
    last_change_id, up to and including its own.
    """

    __tablename__ = "yousaid_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    # A user id on the campaign's platform, or "scheduler" for a monthly update.
    created_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The highest idea_status_changes.id the update covers, 0 when it covers none.
    last_change_id: Mapped[int] = mapped_column(Integer, default=0)
    # How many ideas the update lists.
    idea_count: Mapped[int] = mapped_column(Integer, default=0)


class RecognitionSettings(Base):
    """The recognition settings of one workspace: the channel for thank-you cards and the values."""

    __tablename__ = "recognition_settings"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # The behaviour framework's values, one per line, in the order cards list them.
    values_text: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(ID_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Thanks(Base):
    """A thank-you card from one person to one or more colleagues."""

    __tablename__ = "thanks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    giver_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    message: Mapped[str] = mapped_column(Text)
    # The values picked as badges, one per line, or None.
    values_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Where the card is shown; both are null until it is posted.
    channel_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    post_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index(None, "platform", "team_id", "giver_id", "created_at"),)


class ThanksRecipient(Base):
    """One colleague thanked on a card, with their directorate when the card was given."""

    __tablename__ = "thanks_recipients"

    thanks_id: Mapped[int] = mapped_column(ForeignKey("thanks.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, index=True)
    # From the staff directory; None for someone outside it.
    directorate: Mapped[str | None] = mapped_column(String(200))


class CampaignChannel(Base):
    """A channel on another platform that a campaign also runs in.

    The campaign's own platform and channel_id name its first channel. A campaign run
    in Slack and Teams at once has a row here for its Teams channel. Ideas sent there
    are posted there, and the campaign's report counts both.
    """

    __tablename__ = "campaign_channels"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    launch_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    summary_message_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))

    __table_args__ = (Index(None, "platform", "channel_id"),)


class TeamsConversation(Base):
    """A Teams conversation the bot has seen: where proactive messages to it go.

    Teams gives the service URL to send to with each incoming activity, and a bot can
    message a conversation only through it. kind is "personal" (a person's chat with the
    bot; user_id is theirs), "channel" or "groupChat".
    """

    __tablename__ = "teams_conversations"

    conversation_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    service_url: Mapped[str] = mapped_column(String(500))
    # For a personal chat: the person's Entra object id (the user id staffvoice stores)
    # and their Teams account id, which creating a conversation with them needs.
    user_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    member_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    # For a channel: its team's id and its name when last seen.
    team_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    name: Mapped[str | None] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (Index(None, "user_id"),)
