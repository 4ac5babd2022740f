"""Moderation: staff reports, the managers' queue, and hiding, restoring or dismissing posts.

A hidden idea or comment stays in the database for the audit trail, and the
conditions in storage.visibility leave it out of counts, digests, reports
and exports. Each action is written to the audit log in its own transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.core import audit, outbox, roles
from bot.core.anonymity import author_hash
from bot.core.errors import InvalidInput, NotFound
from bot.core.outbox import OutboundMessage
from bot.core.records import Person
from storage import comments as comment_store
from storage import ideas as idea_store
from storage import moderation as store
from storage import roles as role_store
from storage.database import Database
from storage.models import Comment, Idea

logger = logging.getLogger(__name__)

IDEA = store.IDEA
COMMENT = store.COMMENT
ITEM_KINDS = (IDEA, COMMENT)

# Sources of queue entries: a report by staff, or a post flagged by a check.
REPORT = "report"
# Statuses of a queue entry after its item was acted on.
OPEN = store.OPEN
HIDDEN = "hidden"
RESTORED = "restored"
DISMISSED = "dismissed"

# Audit actions.
HIDE = "hide"
RESTORE = "restore"
DISMISS = "dismiss"

MAX_REASON_LENGTH = 500
# The queue shows this many items at most; older ones come first.
QUEUE_LIMIT = 20
# Open entries read to build the queue; several entries of one item make one row.
QUEUE_ENTRY_LIMIT = 500


@dataclass(frozen=True)
class ItemRef:
    """An idea or comment named by kind and id."""

    kind: str
    item_id: int

    @property
    def subject(self) -> str:
        """Return the audit subject, such as "idea:12"."""
        return f"{self.kind}:{self.item_id}"


@dataclass(frozen=True)
class ModeratedItem:
    """An idea or comment as the queue and the confirmations show it."""

    ref: ItemRef
    # The idea itself, or the idea the comment replies to.
    idea_id: int
    text: str
    anonymous: bool
    campaign_id: int | None
    board_id: int | None
    channel_id: str | None
    # The item's own message: the idea message, or the comment's thread reply.
    message_id: str | None
    # The idea message a comment replies to; None for an idea.
    thread_id: str | None
    hidden: bool
    deleted: bool


@dataclass(frozen=True)
class QueueEntry:
    """One item of the moderation queue with what flagged it."""

    item: ModeratedItem
    first_at: datetime
    sources: tuple[str, ...]
    # Reasons given by reporters and checks, oldest first, without repeats.
    reasons: tuple[str, ...]
    report_count: int


@dataclass(frozen=True)
class ModerationResult:
    """The outcome of a hide, restore or dismiss."""

    item: ModeratedItem
    action: str
    # False when the item was already in the requested state.
    changed: bool
    # Queue entries the action resolved.
    entry_count: int


class ReportNotifier(Protocol):
    """Builds the direct message that notifies a manager of a newly reported item."""

    def report_notice(
        self, item: ModeratedItem, *, recipient: str, dedupe_key: str
    ) -> OutboundMessage:
        """Build one manager's notice of a reported item, without the reporter or reason."""
        ...


def validate_reason(reason: str | None) -> str:
    """Return the report's reason stripped, raising InvalidInput when empty or too long."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InvalidInput(
            "Give a reason for the report, so moderators know what to look at.", field="reason"
        )
    if len(cleaned) > MAX_REASON_LENGTH:
        raise InvalidInput(
            f"The reason has {len(cleaned)} characters; the maximum is {MAX_REASON_LENGTH}. "
            "Shorten it.",
            field="reason",
        )
    return cleaned


def reporter_hash(person: Person, *, anon_key: str | None) -> str:
    """Return the hash that stands for a reporter: keyed when an anonymity key is set.

    Without the key it is a plain SHA-256 of platform, workspace and user,
    which anyone with a list of user ids can reverse by hashing each id.
    """
    if anon_key is not None:
        return author_hash(anon_key, person)
    encoded = json.dumps(
        ["staffvoice-reporter-v1", person.platform, person.team_id, person.user_id]
    )
    return hashlib.sha256(encoded.encode()).hexdigest()


def locate_item(
    db: Database, *, platform: str, channel_id: str, message_id: str, thread_id: str | None
) -> ItemRef | None:
    """Return the idea or comment a chat message shows, or None when it is neither.

    thread_id is the id of the thread's first message when the message is a reply.
    """
    with db.transaction() as session:
        idea = idea_store.get_idea_by_message(
            session, platform=platform, channel_id=channel_id, message_id=message_id
        )
        if idea is not None:
            return ItemRef(IDEA, idea.id)
        if not thread_id:
            return None
        parent = idea_store.get_idea_by_message(
            session, platform=platform, channel_id=channel_id, message_id=thread_id
        )
        if parent is None:
            return None
        comment = comment_store.get_comment(session, idea_id=parent.id, message_id=message_id)
        return ItemRef(COMMENT, comment.id) if comment is not None else None


def report_item(
    db: Database,
    reporter: Person,
    ref: ItemRef,
    *,
    reason: str | None,
    now: datetime,
    anon_key: str | None,
    notifier: ReportNotifier | None = None,
) -> bool:
    """Add a report of an idea or comment to the queue; return False for a repeat.

    A repeat report by the same person of the same item is accepted and not
    stored again. When the report puts the item in the queue, with no other
    open entry, each manager gets a direct message through notifier at once. A
    report may be about personal data or abuse, which should not wait for the
    next digest. Further reports of a queued item notify no one.
    Raises InvalidInput for a missing or too long reason, and NotFound for an
    unknown item.
    """
    cleaned = validate_reason(reason)
    signature = reporter_hash(reporter, anon_key=anon_key)
    with db.transaction() as session:
        load_row(session, ref)
        added = store.add_item(
            session,
            item_kind=ref.kind,
            item_id=ref.item_id,
            source=REPORT,
            reason=cleaned,
            reporter_hash=signature,
            now=now,
        )
        if added and notifier is not None:
            _notify_managers(session, ref, platform=reporter.platform, notifier=notifier, now=now)
    if added:
        logger.info("Report of %s added to the moderation queue", ref.subject)
    return added


def moderation_queue(
    db: Database, manager: Person, *, limit: int = QUEUE_LIMIT
) -> list[QueueEntry]:
    """Return the items with open queue entries, the one flagged first at the top.

    Raises PermissionDenied unless the person is an engagement manager.
    """
    roles.require_manager(db, manager, action="see the moderation queue")
    with db.transaction() as session:
        rows = store.list_open_items(session, limit=QUEUE_ENTRY_LIMIT)
        grouped: dict[ItemRef, list[store.ModerationItem]] = {}
        for row in rows:
            grouped.setdefault(ItemRef(row.item_kind, row.item_id), []).append(row)
        entries = []
        for ref, item_rows in list(grouped.items())[:limit]:
            try:
                item = item_in_session(session, ref)
            except NotFound:
                logger.warning("Queue entry names %s, which does not exist", ref.subject)
                continue
            reasons = list(dict.fromkeys(row.reason for row in item_rows if row.reason))
            entries.append(
                QueueEntry(
                    item=item,
                    first_at=item_rows[0].created_at,
                    sources=tuple(dict.fromkeys(row.source for row in item_rows)),
                    reasons=tuple(reasons),
                    report_count=sum(1 for row in item_rows if row.source == REPORT),
                )
            )
    return entries


def get_item(db: Database, ref: ItemRef) -> ModeratedItem:
    """Return an idea or comment as moderation shows it, raising NotFound when there is none."""
    with db.transaction() as session:
        return item_in_session(session, ref)


def hide_item(db: Database, manager: Person, ref: ItemRef, *, now: datetime) -> ModerationResult:
    """Hide an idea or comment and resolve its open queue entries as hidden.

    A hidden comment stops counting in its idea's comment_count. A deleted
    comment is not hidden, because it has no text left to show. Raises
    PermissionDenied for anyone but a manager and NotFound for an unknown item.
    """
    roles.require_manager(db, manager, action="hide ideas or comments")
    with db.transaction() as session:
        row = load_row(session, ref)
        if isinstance(row, Idea):
            changed = store.set_idea_hidden(session, row.id, hidden_by=manager.user_id, now=now)
        else:
            changed = row.deleted_at is None and store.set_comment_hidden(
                session, row.id, hidden_by=manager.user_id, now=now
            )
            if changed:
                idea_store.change_comment_count(session, row.idea_id, delta=-1)
        resolved = store.resolve_items(
            session,
            item_kind=ref.kind,
            item_id=ref.item_id,
            from_statuses=(OPEN,),
            status=HIDDEN,
            resolved_by=manager.user_id,
            now=now,
        )
        if changed or resolved:
            audit.record(
                session,
                actor=manager.user_id,
                action=HIDE,
                subject=ref.subject,
                detail={"entries": resolved, "changed": changed},
                now=now,
            )
        session.expire_all()
        item = item_in_session(session, ref)
    logger.info(
        "%s hidden by %s (changed %s, %s entries)", ref.subject, manager.user_id, changed, resolved
    )
    return ModerationResult(item=item, action=HIDE, changed=changed, entry_count=resolved)


def restore_item(db: Database, manager: Person, ref: ItemRef, *, now: datetime) -> ModerationResult:
    """Show a hidden idea or comment again and mark its hidden queue entries restored.

    A restored comment counts again unless its author deleted it meanwhile.
    """
    roles.require_manager(db, manager, action="restore hidden ideas or comments")
    with db.transaction() as session:
        row = load_row(session, ref)
        if isinstance(row, Idea):
            changed = store.clear_idea_hidden(session, row.id)
        else:
            changed = store.clear_comment_hidden(session, row.id)
            session.refresh(row)
            if changed and row.deleted_at is None:
                idea_store.change_comment_count(session, row.idea_id, delta=1)
        resolved = store.resolve_items(
            session,
            item_kind=ref.kind,
            item_id=ref.item_id,
            from_statuses=(HIDDEN, OPEN),
            status=RESTORED,
            resolved_by=manager.user_id,
            now=now,
        )
        if changed:
            audit.record(
                session,
                actor=manager.user_id,
                action=RESTORE,
                subject=ref.subject,
                detail={"entries": resolved},
                now=now,
            )
        session.expire_all()
        item = item_in_session(session, ref)
    logger.info("%s restored by %s (changed %s)", ref.subject, manager.user_id, changed)
    return ModerationResult(item=item, action=RESTORE, changed=changed, entry_count=resolved)


def dismiss_item(db: Database, manager: Person, ref: ItemRef, *, now: datetime) -> ModerationResult:
    """Close an item's open queue entries without acting on the item."""
    roles.require_manager(db, manager, action="dismiss reports")
    with db.transaction() as session:
        load_row(session, ref)
        resolved = store.resolve_items(
            session,
            item_kind=ref.kind,
            item_id=ref.item_id,
            from_statuses=(OPEN,),
            status=DISMISSED,
            resolved_by=manager.user_id,
            now=now,
        )
        if resolved:
            audit.record(
                session,
                actor=manager.user_id,
                action=DISMISS,
                subject=ref.subject,
                detail={"entries": resolved},
                now=now,
            )
        item = item_in_session(session, ref)
    logger.info("%s dismissed by %s (%s entries)", ref.subject, manager.user_id, resolved)
    return ModerationResult(item=item, action=DISMISS, changed=bool(resolved), entry_count=resolved)


def _notify_managers(
    session: Session, ref: ItemRef, *, platform: str, notifier: ReportNotifier, now: datetime
) -> None:
    entries = store.list_items_of(session, item_kind=ref.kind, item_id=ref.item_id)
    if sum(1 for entry in entries if entry.status == OPEN) != 1:
        return
    item = item_in_session(session, ref)
    # The count of entries grows with every report, so an item reported again
    # after a dismissal notifies the managers again.
    dedupe_key = f"moderation-report:{ref.subject}:{len(entries)}"
    messages = [
        notifier.report_notice(
            item, recipient=role.user_id, dedupe_key=f"{dedupe_key}:{role.user_id}"
        )
        for role in role_store.list_roles(session, platform=platform, role=roles.MANAGER)
    ]
    outbox.enqueue_in(session, messages, now=now)


def parse_ref(value: str) -> ItemRef:
    """Parse "idea:12" or "comment:40" into a reference, raising InvalidInput otherwise."""
    kind, _, number = value.partition(":")
    if kind not in ITEM_KINDS or not number.isdigit():
        raise InvalidInput(f"{value!r} names no idea or comment. Open the moderation queue again.")
    return ItemRef(kind, int(number))


def load_row(session: Session, ref: ItemRef) -> Idea | Comment:
    """Return the idea or comment row of a reference, raising NotFound when there is none."""
    row: Idea | Comment | None
    if ref.kind == IDEA:
        row = idea_store.get_idea(session, ref.item_id)
    elif ref.kind == COMMENT:
        row = store.get_comment_by_id(session, ref.item_id)
    else:
        raise InvalidInput(f"{ref.kind!r} is not an idea or a comment.")
    if row is None:
        raise NotFound(f"There is no {ref.kind} {ref.item_id}; it may have been removed.")
    return row


def item_in_session(session: Session, ref: ItemRef) -> ModeratedItem:
    """Return an idea or comment as moderation shows it, read in the caller's session."""
    row = load_row(session, ref)
    if isinstance(row, Idea):
        return ModeratedItem(
            ref=ref,
            idea_id=row.id,
            text=row.text,
            anonymous=bool(row.anonymous),
            campaign_id=row.campaign_id,
            board_id=row.board_id,
            channel_id=row.channel_id,
            message_id=row.message_id,
            thread_id=None,
            hidden=row.hidden_at is not None,
            deleted=row.withdrawn_at is not None,
        )
    idea = idea_store.get_idea(session, row.idea_id)
    assert idea is not None
    return ModeratedItem(
        ref=ref,
        idea_id=idea.id,
        text=row.text,
        anonymous=bool(row.anonymous),
        campaign_id=idea.campaign_id,
        board_id=idea.board_id,
        channel_id=idea.channel_id,
        message_id=row.message_id,
        thread_id=idea.message_id,
        hidden=row.hidden_at is not None,
        deleted=row.deleted_at is not None,
    )
