"""Private messages between a manager and the author of an idea or comment, named or not.

The bot delivers each message as a direct message through the outbox. No row
links a manager's question to a person: the author of an anonymous post is
found again from its author hash each time a message goes to them, and the
manager's copy of a reply never names them.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.core import audit, outbox, roles
from bot.core.anonymity import author_hash, find_author
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.moderation import ItemRef, ModeratedItem, item_in_session, load_row
from bot.core.outbox import OutboundMessage
from bot.core.records import Person
from storage import moderation as store
from storage import outbox as outbox_store
from storage.database import Database
from storage.models import Comment, Idea

logger = logging.getLogger(__name__)

TO_AUTHOR = "to_author"
TO_MANAGER = "to_manager"
MAX_MESSAGE_LENGTH = 2000
# The audit action of a manager's message to an author. An author's reply is not
# audited, because its actor would be the author.
MESSAGE_AUTHOR = "message_author"

UNREACHABLE = (
    "The author of this {kind} cannot be reached, so nothing was sent. They may have left "
    "the workspace, the post may have come from paper or email, or the anonymity key may "
    "have changed since it was posted."
)


@dataclass(frozen=True)
class RelayNote:
    """A stored relayed message with the item it is about."""

    relay_id: int
    item: ModeratedItem
    manager_id: str
    direction: str
    text: str


class RelayRenderer(Protocol):
    """Builds the platform's direct messages for relayed messages."""

    def relay_to_author(
        self, note: RelayNote, *, recipient: str, dedupe_key: str
    ) -> OutboundMessage:
        """Build the author's copy of a manager's message, with a way to reply."""
        ...

    def relay_to_manager(
        self, note: RelayNote, *, recipient: str, dedupe_key: str
    ) -> OutboundMessage:
        """Build the manager's copy of an author's reply, without the author's name."""
        ...


def relay_dedupe_key(relay_id: int) -> str:
    """Return the outbox key of a relayed message's delivery."""
    return f"relay:{relay_id}"


def validate_message(text: str | None) -> str:
    """Return the message stripped, raising InvalidInput when empty or too long."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput("Write a message before sending.", field="message")
    if len(cleaned) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(
            f"The message has {len(cleaned)} characters; the maximum is {MAX_MESSAGE_LENGTH}. "
            "Shorten it.",
            field="message",
        )
    return cleaned


def message_author(
    db: Database,
    manager: Person,
    ref: ItemRef,
    *,
    text: str,
    now: datetime,
    anon_key: str | None,
    members: Callable[[], Iterable[Person]],
    renderer: RelayRenderer,
) -> RelayNote:
    """Send a manager's message to the author of an idea or comment as a direct message.

    members lists the workspace's people; it is called, outside any
    transaction, only for an anonymous post. Raises PermissionDenied for
    anyone but a manager, InvalidInput for an empty or too long message, and
    NotFound when the item or its author cannot be found. Nothing is stored then.
    The message is written to the audit log, without its text.
    """
    cleaned = validate_message(text)
    roles.require_manager(db, manager, action="message the authors of ideas and comments")
    with db.transaction() as session:
        row = load_row(session, ref)
        named = _named_author(row)
        stored_hash = None if named is not None else row.author_hash
    author = named
    if author is None and stored_hash is not None and anon_key is not None:
        author = find_author(anon_key, stored_hash, members())
    if author is None:
        raise NotFound(UNREACHABLE.format(kind=ref.kind))

    with db.transaction() as session:
        note = _store(
            session, ref, manager_id=manager.user_id, direction=TO_AUTHOR, text=cleaned, now=now
        )
        key = relay_dedupe_key(note.relay_id)
        # Once the question about an anonymous post is sent, its outbox row loses the
        # recipient, so no row links the post to its author.
        message = renderer.relay_to_author(
            note,
            recipient=author.user_id,
            dedupe_key=key if named is not None else outbox_store.FORGET_PREFIX + key,
        )
        outbox.enqueue_in(session, [message], now=now)
        audit.record(
            session,
            actor=manager.user_id,
            action=MESSAGE_AUTHOR,
            subject=ref.subject,
            detail={"relay_id": note.relay_id},
            now=now,
        )
    logger.info(
        "Relay %s sent to the author of %s by %s", note.relay_id, ref.subject, manager.user_id
    )
    return note


def reply_to_manager(
    db: Database,
    author: Person,
    *,
    relay_id: int,
    text: str,
    now: datetime,
    anon_key: str | None,
    renderer: RelayRenderer,
) -> RelayNote:
    """Send the author's reply to a relayed message to the manager who wrote it, unnamed.

    Raises PermissionDenied unless the person is the item's author, and
    NotFound for an unknown message.
    """
    cleaned = validate_message(text)
    with db.transaction() as session:
        original = store.get_relay_message(session, relay_id)
        if original is None or original.direction != TO_AUTHOR:
            raise NotFound("This conversation no longer exists, so the reply was not sent.")
        ref = ItemRef(original.item_kind, original.item_id)
        row = load_row(session, ref)
        if not _is_author(row, author, anon_key=anon_key):
            raise PermissionDenied("Only the author of this post can reply, so nothing was sent.")
        note = _store(
            session,
            ref,
            manager_id=original.manager_id,
            direction=TO_MANAGER,
            text=cleaned,
            now=now,
        )
        key = relay_dedupe_key(note.relay_id)
        # The reply quotes the post. For an anonymous post the sent copy is not kept, so
        # the text of a withdrawn post does not stay in the outbox.
        anonymous = bool(getattr(row, "anonymous", False))
        message = renderer.relay_to_manager(
            note,
            recipient=original.manager_id,
            dedupe_key=outbox_store.FORGET_PREFIX + key if anonymous else key,
        )
        outbox.enqueue_in(session, [message], now=now)
    logger.info("Relay %s: reply about %s sent to %s", note.relay_id, ref.subject, note.manager_id)
    return note


def _store(
    session: Session, ref: ItemRef, *, manager_id: str, direction: str, text: str, now: datetime
) -> RelayNote:
    row = store.add_relay_message(
        session,
        item_kind=ref.kind,
        item_id=ref.item_id,
        manager_id=manager_id,
        direction=direction,
        text=text,
        now=now,
    )
    return RelayNote(
        relay_id=row.id,
        item=item_in_session(session, ref),
        manager_id=manager_id,
        direction=direction,
        text=text,
    )


def _named_author(row: Idea | Comment) -> Person | None:
    if row.anonymous:
        return None
    user_id = row.author_id if isinstance(row, Idea) else row.user_id
    if user_id is None or (isinstance(row, Idea) and row.source != "chat"):
        return None
    return Person(platform=row.platform, team_id=row.team_id, user_id=user_id)


def _is_author(row: Idea | Comment, person: Person, *, anon_key: str | None) -> bool:
    named = _named_author(row)
    if named is not None:
        return (named.platform, named.team_id, named.user_id) == (
            person.platform,
            person.team_id,
            person.user_id,
        )
    if row.author_hash is None or anon_key is None:
        return False
    return hmac.compare_digest(author_hash(anon_key, person), row.author_hash)
