"""Posts held back by the personal-data and concern checks until their author decides.

A held idea is neither published nor stored as an idea: its draft waits in
held_posts for 24 hours, with the kinds of findings but never the matched
text. The author edits it, posts it anyway (the post is flagged for the
managers' moderation queue) or withdraws it, and each decision removes the
draft, so a second press of the same button finds nothing to do. A thread
reply cannot be held because the bot cannot stop or delete a person's
message, so one with personal data is stored hidden and reported instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.core.checks.findings import Finding, findings_from_json, findings_to_json
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.events import claim_event
from bot.core.ideas import submit_idea
from bot.core.outbox import OutboundMessage, enqueue_in
from bot.core.participation import DEFAULT_MIN_GROUP_SIZE
from bot.core.records import Person, SubmittedIdea
from storage import comments as comment_store
from storage import held_posts as held_store
from storage import ideas as idea_store
from storage import roles as role_store
from storage.database import Database
from storage.models import HeldPost

logger = logging.getLogger(__name__)

HOLD_FOR = timedelta(hours=24)
IDEA = "idea"
COMMENT = "comment"
ALREADY_DECIDED = (
    "This draft was already posted, withdrawn or replaced by an edit, or it expired after "
    "24 hours, so there is nothing left to do with it."
)


@dataclass(frozen=True)
class HeldDraft:
    """A held post: its draft fields and what the checks found."""

    id: int
    kind: str
    payload: dict[str, Any]
    findings: tuple[Finding, ...]
    expires_at: datetime


def _draft_of(held: HeldPost) -> HeldDraft:
    payload = json.loads(held.payload)
    return HeldDraft(
        id=held.id,
        kind=held.kind,
        payload=payload if isinstance(payload, dict) else {},
        findings=findings_from_json(json.loads(held.findings)),
        expires_at=held.expires_at,
    )


def hold_post(
    db: Database,
    author: Person,
    *,
    kind: str,
    payload: dict[str, Any],
    findings: Sequence[Finding],
    now: datetime,
) -> HeldDraft:
    """Keep a draft the checks stopped, for HOLD_FOR, and delete drafts that have expired."""
    with db.transaction() as session:
        expired = held_store.remove_expired_held_posts(session, now=now)
        held = held_store.add_held_post(
            session,
            kind=kind,
            platform=author.platform,
            team_id=author.team_id,
            user_id=author.user_id,
            payload=json.dumps(payload),
            findings=json.dumps(findings_to_json(findings)),
            now=now,
            expires_at=now + HOLD_FOR,
        )
        draft = _draft_of(held)
    logger.info(
        "Held %s draft %s (%s); removed %d expired drafts",
        kind,
        draft.id,
        ",".join(finding.kind for finding in findings),
        expired,
    )
    return draft


def get_held_post(db: Database, person: Person, *, held_id: int, now: datetime) -> HeldDraft:
    """Return the author's held draft, raising NotFound once it is decided or expired."""
    with db.transaction() as session:
        held = held_store.get_held_post(session, held_id)
        _check_held(held, person, now=now)
        assert held is not None
        return _draft_of(held)


def take_held_post(db: Database, person: Person, *, held_id: int, now: datetime) -> HeldDraft:
    """Remove the author's held draft and return it; raise NotFound when it is already gone."""
    with db.transaction() as session:
        held = held_store.get_held_post(session, held_id)
        _check_held(held, person, now=now)
        assert held is not None
        draft = _draft_of(held)
        if not held_store.remove_held_post(session, held_id):
            raise NotFound(ALREADY_DECIDED)
    logger.info("Removed held %s draft %s on its author's decision", draft.kind, held_id)
    return draft


def release_held_in(session: Session, person: Person, *, held_id: int, now: datetime) -> None:
    """Remove the author's held draft in the caller's transaction, as an edit replaces it.

    Raises NotFound when it was decided or expired already and PermissionDenied
    for anyone but its author, so the caller's transaction, such as the edited
    idea's, stores nothing.
    """
    held = held_store.get_held_post(session, held_id)
    _check_held(held, person, now=now)
    if not held_store.remove_held_post(session, held_id):
        raise NotFound(ALREADY_DECIDED)


def _check_held(held: HeldPost | None, person: Person, *, now: datetime) -> None:
    if held is None or held.expires_at <= now:
        raise NotFound(ALREADY_DECIDED)
    if (held.platform, held.team_id, held.user_id) != (
        person.platform,
        person.team_id,
        person.user_id,
    ):
        raise PermissionDenied("Only the author of this draft can decide what happens to it.")


def remove_expired_held_posts(db: Database, *, now: datetime) -> int:
    """Delete drafts whose 24 hours have passed; return how many."""
    with db.transaction() as session:
        return held_store.remove_expired_held_posts(session, now=now)


def override_sources(findings: Sequence[Finding]) -> list[str]:
    """Return the checks_overridden values of the findings: personal_data, concern or both."""
    sources = []
    if any(finding.is_personal_data for finding in findings):
        sources.append("personal_data")
    if any(not finding.is_personal_data for finding in findings):
        sources.append("concern")
    return sources


def post_held_idea(
    db: Database,
    author: Person,
    *,
    held_id: int,
    now: datetime,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    anon_key: str | None = None,
) -> SubmittedIdea:
    """Store a held idea as its author chose to post it anyway, flagged for the managers.

    Removing the draft, storing the idea and flagging it for the managers are
    one transaction: a second press finds the draft gone and stores nothing,
    and a failure leaves the draft held. An idea that cannot be stored, for
    example because its topic no longer belongs to the campaign, raises
    InvalidInput and the draft stays held.
    """
    draft = get_held_post(db, author, held_id=held_id, now=now)
    if draft.kind != IDEA:
        raise InvalidInput("This draft is not an idea, so it cannot be posted as one.")
    payload = draft.payload
    anonymous = bool(payload.get("anonymous"))
    poster = Person(
        platform=author.platform,
        team_id=author.team_id,
        user_id=author.user_id,
        display_name=None if anonymous else author.display_name,
    )

    def release_and_flag(session: Session, idea_id: int) -> None:
        if not held_store.remove_held_post(session, held_id):
            raise NotFound(ALREADY_DECIDED)
        _flag_in(session, item_kind=IDEA, item_id=idea_id, findings=draft.findings, now=now)

    submitted = submit_idea(
        db,
        poster,
        text=str(payload.get("text") or ""),
        detail=payload.get("detail"),
        anonymous=anonymous,
        channel_id=payload.get("channel_id"),
        topic_id=payload.get("topic_id"),
        now=now,
        min_group_size=min_group_size,
        anon_key=anon_key,
        also=release_and_flag,
    )
    logger.info("Posted held draft %s as idea %s, flagged", held_id, submitted.idea.id)
    return submitted


def flag_overridden(
    db: Database, *, item_kind: str, item_id: int, findings: Sequence[Finding], now: datetime
) -> None:
    """Mark an idea or comment as posted past the checks and queue it for the managers."""
    with db.transaction() as session:
        _flag_in(session, item_kind=item_kind, item_id=item_id, findings=findings, now=now)


def _flag_in(
    session: Session,
    *,
    item_kind: str,
    item_id: int,
    findings: Sequence[Finding],
    now: datetime,
) -> None:
    sources = override_sources(findings)
    held_store.set_checks_overridden(
        session, item_kind=item_kind, item_id=item_id, checks=",".join(sources)
    )
    for source in sources:
        held_store.add_check_flag(
            session, item_kind=item_kind, item_id=item_id, source=source, now=now
        )
    logger.info("Flagged %s %s for moderation: %s", item_kind, item_id, ",".join(sources))


def hide_thread_reply(
    db: Database,
    commenter: Person,
    *,
    idea_id: int,
    message_id: str,
    author_message: str,
    manager_message: str,
    now: datetime,
    event_id: str | None = None,
) -> int | None:
    """Store a thread reply with personal data hidden, and tell its author and every manager.

    The reply's text is not stored, so the bot's database keeps no copy of the
    personal data. In the same transaction a "thread_personal_data" moderation
    item and one direct message to the author and to each manager go into the
    outbox, keyed by comment, so a redelivered event sends nothing twice.
    Returns the comment id, or None when the event was handled before.
    """
    with db.transaction() as session:
        if not claim_event(session, platform=commenter.platform, event_id=event_id, now=now):
            return None
        comment, was_visible = held_store.hide_reply_for_check(
            session,
            idea_id=idea_id,
            platform=commenter.platform,
            team_id=commenter.team_id,
            user_id=commenter.user_id,
            message_id=message_id,
            now=now,
        )
        if was_visible:
            idea_store.change_comment_count(session, idea_id, delta=-1)
        held_store.add_check_flag(
            session, item_kind=COMMENT, item_id=comment.id, source="thread_personal_data", now=now
        )
        managers = role_store.list_roles(session, platform=commenter.platform, role="manager")
        messages = [
            OutboundMessage(
                platform=commenter.platform,
                recipient=commenter.user_id,
                text=author_message,
                dedupe_key=f"thread-check:{comment.id}:author",
            )
        ]
        messages.extend(
            OutboundMessage(
                platform=commenter.platform,
                recipient=manager.user_id,
                text=manager_message,
                dedupe_key=f"thread-check:{comment.id}:manager:{manager.user_id}",
            )
            for manager in managers
        )
        enqueue_in(session, messages, now=now)
        comment_id = comment.id
    logger.info(
        "Hid reply as comment %s on idea %s for personal data; notified %d managers",
        comment_id,
        idea_id,
        len(managers),
    )
    return comment_id


def find_held_draft(
    db: Database, author: Person, *, kind: str, payload: dict[str, Any], now: datetime
) -> HeldDraft | None:
    """Return the author's unexpired draft of this kind with exactly this payload, or None.

    A form that shows findings as a field error has no buttons, so sending the
    same draft again is how its author chooses to post anyway.
    """
    with db.transaction() as session:
        rows = held_store.list_held_posts(
            session,
            kind=kind,
            platform=author.platform,
            team_id=author.team_id,
            user_id=author.user_id,
            now=now,
        )
        drafts = [_draft_of(row) for row in rows]
    return next((draft for draft in drafts if draft.payload == payload), None)


def find_comment_id(db: Database, *, idea_id: int, message_id: str) -> int | None:
    """Return the id of the comment stored for a thread message, or None."""
    with db.transaction() as session:
        comment = comment_store.get_comment(session, idea_id=idea_id, message_id=message_id)
        return comment.id if comment is not None else None
