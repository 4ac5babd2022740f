"""A person's data: export everything stored about them, or erase it while keeping counts true.

Anonymous ideas and comments are not linked to a person in the database (only
a keyed hash is), so neither the export nor the erasure finds them.

Erasure replaces the person's user id with a pseudonym, "erased-" and random
hex, the same one in every table. So a vote still counts once, one person's
comments still count as one commenter, and a report's participant count
stays as it was. The pseudonym is random and stored nowhere else, so it
cannot be turned back into the user id. The text of their named ideas and
comments is kept, as the organisation's record, but shown under
ERASED_AUTHOR_NAME.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.core import audit
from bot.core.roles import validate_user_id
from storage import audit as audit_store
from storage import privacy as privacy_store
from storage import thanks as thanks_store
from storage.database import Database
from storage.models import (
    CampaignInterest,
    HeldPost,
    OutboxMessage,
    ParticipantGroup,
    RelayMessage,
    Role,
    StaffMember,
)

logger = logging.getLogger(__name__)

ERASED_AUTHOR_NAME = "Former member of staff"
PSEUDONYM_PREFIX = "erased-"
ANONYMOUS_POSTS_NOTE = (
    "Anonymous ideas and comments are not included: the database does not link them to a "
    "person, so they cannot be found by user ID."
)


@dataclass(frozen=True)
class ErasurePlan:
    """The rows an erasure replaces and deletes, per table."""

    user_id: str
    replaced: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Return whether the erasure finds nothing to change."""
        return not self.replaced and not self.deleted


def export_person(
    db: Database,
    *,
    platform: str,
    user_id: str,
    email: str | None = None,
    actor: str,
    now: datetime,
) -> dict[str, Any]:
    """Return everything stored about a person as JSON-ready data, and audit the export.

    email also finds a staff list row not matched to their account.
    """
    user_id = validate_user_id(user_id)
    with db.transaction() as session:
        data = _person_data(session, platform=platform, user_id=user_id, email=email)
        data["generated_at"] = now.isoformat()
        counts = {name: len(rows) for name, rows in data.items() if isinstance(rows, list)}
        audit.record(
            session,
            actor=actor,
            action=audit.PRIVACY_EXPORT,
            subject=audit.user_subject(user_id),
            detail=counts,
            now=now,
        )
    logger.info("Exported the data of %s user %s", platform, user_id)
    return data


class _DryRun(Exception):
    """Raised inside the transaction of a planned erasure, so that it rolls back."""

    def __init__(self, plan: ErasurePlan) -> None:
        super().__init__("dry run")
        self.plan = plan


def plan_erasure(
    db: Database, *, platform: str, user_id: str, email: str | None = None, now: datetime
) -> ErasurePlan:
    """Count what erasing a person would change, changing nothing."""
    user_id = validate_user_id(user_id)
    try:
        with db.transaction() as session:
            raise _DryRun(_erase(session, platform=platform, user_id=user_id, email=email, now=now))
    except _DryRun as dry_run:
        return dry_run.plan


def erase_person(
    db: Database,
    *,
    platform: str,
    user_id: str,
    email: str | None = None,
    actor: str,
    now: datetime,
) -> ErasurePlan:
    """Erase a person's data in one transaction, audit it, and return what changed.

    Erasing a person a second time finds nothing to change, and records that.
    """
    user_id = validate_user_id(user_id)
    with db.transaction() as session:
        plan = _erase(session, platform=platform, user_id=user_id, email=email, now=now)
        audit.record(
            session,
            actor=actor,
            action=audit.PRIVACY_ERASE,
            subject=audit.erased_label(user_id),
            detail={**plan.replaced, **{f"deleted.{k}": v for k, v in plan.deleted.items()}},
            now=now,
        )
    logger.info(
        "Erased the data of a %s user: %s rows replaced, %s deleted",
        platform,
        sum(plan.replaced.values()),
        sum(plan.deleted.values()),
    )
    return plan


def _erase(
    session: Session, *, platform: str, user_id: str, email: str | None, now: datetime
) -> ErasurePlan:
    """Apply the erasure in session; plan_erasure rolls it back to count only."""
    pseudonym = PSEUDONYM_PREFIX + secrets.token_hex(8)
    ideas = privacy_store.named_ideas(session, platform=platform, user_id=user_id)
    for idea in ideas:
        idea.author_name = ERASED_AUTHOR_NAME
        # A running bot redraws ideas whose shown count is unknown, and so the message
        # loses the name too.
        idea.shown_vote_count = None
    staff = privacy_store.staff_rows(session, platform=platform, user_id=user_id, email=email)
    for row in staff:
        # The row stays so that headcounts counted from the staff list hold; it is
        # marked left, so no later headcount counts it.
        row.email = f"erased-{row.id}@erased.invalid"
        row.name = None
        row.platform = None
        row.user_id = None
        row.match_state = "not_found"
        row.left_at = row.left_at or now
    session.flush()
    replaced = privacy_store.replace_user_id(
        session, platform=platform, user_id=user_id, pseudonym=pseudonym, now=now
    )
    deleted = privacy_store.delete_person_rows(session, platform=platform, user_id=user_id)
    outbox_changed = _erase_from_outbox(
        session, platform=platform, user_id=user_id, pseudonym=pseudonym
    )
    audit_changed = audit_store.replace_person(
        session,
        user_id=user_id,
        subject=audit.user_subject(user_id),
        actor_label=audit.erased_label(user_id),
        subject_label=audit.erased_label(user_id),
    )
    if staff:
        replaced["staff"] = len(staff)
    if outbox_changed:
        replaced["outbox"] = outbox_changed
    if audit_changed:
        replaced["audit_log"] = audit_changed
    return ErasurePlan(user_id=user_id, replaced=replaced, deleted=deleted)


def _erase_from_outbox(session: Session, *, platform: str, user_id: str, pseudonym: str) -> int:
    """Replace the user id in outbox recipients, dedupe keys and payloads; return rows changed.

    A message to them that was sent or given up also loses its content.
    """
    rows = session.scalars(
        select(OutboxMessage).where(
            or_(
                OutboxMessage.recipient == user_id,
                OutboxMessage.dedupe_key.contains(user_id),
                OutboxMessage.payload.contains(user_id),
            )
        )
    )
    changed = 0
    for row in rows:
        if row.platform == platform and row.recipient == user_id:
            row.recipient = pseudonym
            row.payload = json.dumps({"erased": True})
        row.dedupe_key = row.dedupe_key.replace(user_id, pseudonym)
        row.payload = row.payload.replace(user_id, pseudonym)
        changed += 1
    return changed


def _person_data(
    session: Session, *, platform: str, user_id: str, email: str | None
) -> dict[str, Any]:
    ideas = privacy_store.named_ideas(session, platform=platform, user_id=user_id)
    comments = privacy_store.named_comments(session, platform=platform, user_id=user_id)
    votes = privacy_store.votes(session, platform=platform, user_id=user_id)
    roles = privacy_store.rows_of(session, Role, Role.platform == platform, Role.user_id == user_id)
    interest = privacy_store.rows_of(
        session,
        CampaignInterest,
        CampaignInterest.platform == platform,
        CampaignInterest.user_id == user_id,
    )
    groups = privacy_store.rows_of(
        session,
        ParticipantGroup,
        ParticipantGroup.platform == platform,
        ParticipantGroup.user_id == user_id,
    )
    held = privacy_store.rows_of(
        session, HeldPost, HeldPost.platform == platform, HeldPost.user_id == user_id
    )
    relayed = privacy_store.rows_of(session, RelayMessage, RelayMessage.manager_id == user_id)
    staff = privacy_store.staff_rows(session, platform=platform, user_id=user_id, email=email)
    outbox = privacy_store.outbox_to(session, platform=platform, user_id=user_id)
    given = thanks_store.given_by(session, platform=platform, user_id=user_id)
    received = thanks_store.received_by(session, platform=platform, user_id=user_id)
    thanked = thanks_store.recipients_of(session, [row.id for row in given])
    entries = audit_store.list_entries_about(
        session, user_id=user_id, subject=audit.user_subject(user_id)
    )
    return {
        "platform": platform,
        "user_id": user_id,
        "note": ANONYMOUS_POSTS_NOTE,
        "roles": [
            {"role": row.role, "granted_at": _iso(row.granted_at), "granted_by": row.granted_by}
            for row in roles
        ],
        "ideas": [
            {
                "id": row.id,
                "campaign_id": row.campaign_id,
                "board_id": row.board_id,
                "author_name": row.author_name,
                "text": row.text,
                "detail": row.detail,
                "created_at": _iso(row.created_at),
                "status": row.status,
                "votes": row.vote_count,
                "comments": row.comment_count,
                "hidden": row.hidden_at is not None,
                "withdrawn": row.withdrawn_at is not None,
            }
            for row in ideas
        ],
        "comments": [
            {
                "id": row.id,
                "idea_id": row.idea_id,
                "text": row.text,
                "created_at": _iso(row.created_at),
                "edited_at": _iso(row.edited_at),
                "deleted_at": _iso(row.deleted_at),
            }
            for row in comments
        ],
        "votes": [{"idea_id": row.idea_id, "created_at": _iso(row.created_at)} for row in votes],
        "campaign_interest": [
            {"campaign_id": row.campaign_id, "created_at": _iso(row.created_at)} for row in interest
        ],
        "participant_groups": [
            {
                "scope": row.scope,
                "in_directory": row.in_directory,
                "directorate": row.directorate,
                "band": row.band,
                "staff_group": row.staff_group,
                "locality": row.locality,
                "first_at": _iso(row.first_at),
            }
            for row in groups
        ],
        "staff_list": [_staff_row(row) for row in staff],
        "held_posts": [
            {
                "kind": row.kind,
                "draft": json.loads(row.payload),
                "created_at": _iso(row.created_at),
            }
            for row in held
        ],
        "messages_sent_as_manager": [
            {
                "item": f"{row.item_kind}:{row.item_id}",
                "direction": row.direction,
                "text": row.text,
                "created_at": _iso(row.created_at),
            }
            for row in relayed
        ],
        "thanks_given": [
            {
                "id": row.id,
                "to": thanked[row.id],
                "message": row.message,
                "values": (row.values_text or "").splitlines(),
                "created_at": _iso(row.created_at),
            }
            for row in given
        ],
        "thanks_received": [
            {
                "id": row.id,
                "from": row.giver_id,
                "message": row.message,
                "values": (row.values_text or "").splitlines(),
                "created_at": _iso(row.created_at),
            }
            for row in received
        ],
        "messages_to_them": [_outbox_row(row) for row in outbox],
        "audit_log": [
            {
                "at": _iso(row.at),
                "actor": row.actor,
                "action": row.action,
                "subject": row.subject,
                "detail": json.loads(row.detail) if row.detail else {},
            }
            for row in entries
        ],
    }


def _staff_row(row: StaffMember) -> dict[str, Any]:
    return {
        "email": row.email,
        "name": row.name,
        "directorate": row.directorate,
        "band": row.band,
        "staff_group": row.staff_group,
        "locality": row.locality,
        "match_state": row.match_state,
        "matched_at": _iso(row.matched_at),
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "left_at": _iso(row.left_at),
    }


def _outbox_row(row: OutboxMessage) -> dict[str, Any]:
    # Only the message's text: blocks repeat it, and the row's other columns are delivery state.
    try:
        text = json.loads(row.payload).get("text")
    except (ValueError, AttributeError):
        text = None
    return {
        "created_at": _iso(row.created_at),
        "sent_at": _iso(row.sent_at),
        "failed_at": _iso(row.failed_at),
        "text": text,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
