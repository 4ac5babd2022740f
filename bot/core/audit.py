"""The audit log: who changed a role, moderated a post, exported or erased data, and when.

An entry is written in the caller's transaction, so it commits together with
the change it records, or not at all. Its detail contains ids and counts only,
never the text of a post, a name or an email address.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core.errors import InvalidInput
from storage import audit as audit_store
from storage.database import Database
from storage.models import AuditEntry

logger = logging.getLogger(__name__)

# Actions of role changes, exports and privacy work. Moderation adds its own, such as "hide".
ROLE_GRANT = "role_grant"
ROLE_REVOKE = "role_revoke"
EXPORT = "export"
PRIVACY_EXPORT = "privacy_export"
PRIVACY_ERASE = "privacy_erase"
RETENTION = "retention"

# Actors that are not people.
CLI = "cli"
SCHEDULER = "scheduler"

MAX_ACTION_LENGTH = 32
MAX_SUBJECT_LENGTH = 200
# Detail values are ids, counts, flags and short labels. A longer string is
# rejected, so the text of a post cannot end up in the log by mistake.
MAX_DETAIL_STRING_LENGTH = 128
MAX_LIST_LIMIT = 10_000

DetailValue = int | bool | str | None | Sequence[int | str]


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry, detached from the session."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


def user_subject(user_id: str) -> str:
    """Return the subject of an entry about a person, such as "user:U0123"."""
    return f"user:{user_id}"


def erased_label(user_id: str) -> str:
    """Return the label that replaces an erased person's id in the audit log.

    It is the SHA-256 of the id, so an administrator given the id can still
    find the entries about that person. Anyone holding a list of the
    workspace's member ids can do the same for each id on it.
    """
    return "erased:" + hashlib.sha256(user_id.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: Mapping[str, DetailValue] | None = None,
    now: datetime,
) -> AuditRecord:
    """Add an audit entry in the session's transaction and return it.

    Raises ValueError for an empty or too long actor, action or subject, or a
    detail value that is not an id, a count, a flag, a short label or a list of them.
    """
    if not actor or len(actor) > 128:
        raise ValueError(f"actor must be 1 to 128 characters, not {actor!r}")
    if not action or len(action) > MAX_ACTION_LENGTH:
        raise ValueError(f"action must be 1 to {MAX_ACTION_LENGTH} characters, not {action!r}")
    if not subject or len(subject) > MAX_SUBJECT_LENGTH:
        raise ValueError(f"subject must be 1 to {MAX_SUBJECT_LENGTH} characters")
    encoded = None
    if detail:
        for key, value in detail.items():
            _check_detail_value(key, value)
        encoded = json.dumps(dict(detail), sort_keys=True)
    entry = audit_store.add_entry(
        session, at=now, actor=actor, action=action, subject=subject, detail=encoded
    )
    logger.info("Audit entry %s: %s by %s on %s", entry.id, action, actor, subject)
    return audit_record(entry)


def list_audit(
    db: Database,
    *,
    since: datetime | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int | None = None,
) -> list[AuditRecord]:
    """Return audit entries newest first, filtered by start time, action and actor.

    Raises InvalidInput when limit is not from 1 to MAX_LIST_LIMIT.
    """
    if limit is not None and not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidInput(
            f"The limit {limit} is out of range: give a number of entries from 1 to "
            f"{MAX_LIST_LIMIT:,}.",
            field="limit",
        )
    with db.transaction() as session:
        rows = audit_store.list_entries(
            session, since=since, action=action, actor=actor, limit=limit
        )
        return [audit_record(row) for row in rows]


def audit_record(entry: AuditEntry) -> AuditRecord:
    """Copy an audit row into a detached record."""
    return AuditRecord(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        detail=json.loads(entry.detail) if entry.detail else {},
    )


def _check_detail_value(key: str, value: object) -> None:
    items = value if isinstance(value, list | tuple) else [value]
    for item in items:
        if item is None or isinstance(item, bool | int):
            continue
        if isinstance(item, str) and len(item) <= MAX_DETAIL_STRING_LENGTH:
            continue
        raise ValueError(
            f"audit detail {key!r} must hold ids, counts, flags or short labels, "
            f"not {type(item).__name__} of length {len(str(item))}"
        )
