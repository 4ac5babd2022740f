"""Idea statuses: how a lead answers an idea, the labels people see, and the notifications.

A status change is stored on the idea, appended to its history, and announced
by direct message to the idea's author and voters through the outbox, all in
one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.core import outbox, roles
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.ideas import idea_record
from bot.core.records import IdeaRecord, Person
from storage import boards as board_store
from storage import ideas as idea_store
from storage import roles as role_store
from storage import statuses as status_store
from storage.database import Database
from storage.models import Board, Idea

if TYPE_CHECKING:
    from bot.core.ports import StatusNotifier

logger = logging.getLogger(__name__)

UNDER_CONSIDERATION = "under_consideration"
PLANNED = "planned"
DONE = "done"
NOT_TAKEN_FORWARD = "not_taken_forward"

# Every status in the order menus list them, with its label.
STATUS_LABELS = {
    UNDER_CONSIDERATION: "Under consideration",
    PLANNED: "Planned",
    DONE: "Done",
    NOT_TAKEN_FORWARD: "Not taken forward",
}
# Statuses after which an idea no longer waits for action.
FINAL_STATUSES = frozenset({DONE, NOT_TAKEN_FORWARD})
# The reply is meant as a short answer shown under the idea.
MAX_REPLY_LENGTH = 500


def status_label(status: str | None) -> str:
    """Return the label of a status, or "Not answered yet" for an idea without one."""
    if status is None:
        return "Not answered yet"
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


@dataclass(frozen=True)
class StatusChange:
    """The outcome of setting an idea's status, with the people its notification goes to.

    When changed is False, the idea had this status and reply already: no
    history row was added (change_id is None) and nobody is notified. A change
    that keeps the status and removes the reply is recorded but notifies nobody.
    """

    idea: IdeaRecord
    platform: str
    change_id: int | None
    status: str
    reply: str | None
    # The user id of the person who set the status.
    changed_by: str
    changed_at: datetime
    changed: bool
    # The author's user id when the author gets a notification, else None.
    author_id: str | None
    # User ids that get one direct message each, sorted, and empty when nothing changed.
    recipients: tuple[str, ...]
    # A link to the idea's message, when it is posted and the platform gave one.
    idea_link: str | None = None
    # The idea's status before this change, None when it had no answer.
    previous_status: str | None = None

    @property
    def status_changed(self) -> bool:
        """Whether the status differs from the previous one, rather than only the reply."""
        return self.status != self.previous_status


def validate_status(status: str) -> str:
    """Return the status name, raising InvalidInput listing the valid ones when it is unknown."""
    if status not in STATUS_LABELS:
        valid = ", ".join(f"{name} ({label})" for name, label in STATUS_LABELS.items())
        raise InvalidInput(f"{status!r} is not a status. Choose one of: {valid}.", field="status")
    return status


def validate_reply(reply: str | None) -> str | None:
    """Return the reply stripped, or None when empty. Raise InvalidInput when it is too long."""
    cleaned = (reply or "").strip()
    if len(cleaned) > MAX_REPLY_LENGTH:
        raise InvalidInput(
            f"The reply has {len(cleaned)} characters; the maximum is {MAX_REPLY_LENGTH}. "
            "Shorten it, or link to a longer explanation.",
            field="reply",
        )
    return cleaned or None


def status_dedupe_key(change_id: int, user_id: str) -> str:
    """Return the outbox key of one person's notification about one status change."""
    return f"idea-status:{change_id}:{user_id}"


def _answerable_board(session: Session, idea: Idea, person: Person) -> Board:
    """Return the idea's board after checking that the person may set the idea's status.

    Raises InvalidInput for an idea outside a board, and PermissionDenied unless
    the person is the board's lead or an engagement manager.
    """
    board = board_store.get_board(session, idea.board_id) if idea.board_id is not None else None
    if board is None:
        where = "a campaign" if idea.campaign_id is not None else "the standing ideas list"
        raise InvalidInput(
            f"Idea {idea.id} is in {where}. Statuses are for ideas on a Your Shout board, "
            "so nothing was changed.",
            field="idea",
        )
    is_manager = role_store.has_role(
        session, platform=person.platform, user_id=person.user_id, role=roles.MANAGER
    )
    if board.lead_id != person.user_id and not is_manager:
        raise PermissionDenied(
            f"Only this board's lead (<@{board.lead_id}>) or an engagement manager can answer "
            "its ideas, so nothing was changed."
        )
    return board


def _load_idea(session: Session, idea_id: int, *, for_update: bool = False) -> Idea:
    if for_update:
        idea = status_store.lock_idea(session, idea_id)
    else:
        idea = idea_store.get_idea(session, idea_id)
    if idea is None:
        raise NotFound(f"There is no idea {idea_id}; it may have been removed.")
    return idea


def check_can_answer(db: Database, person: Person, *, idea_id: int) -> IdeaRecord:
    """Return the idea when the person may set its status, else raise as set_idea_status would."""
    with db.transaction() as session:
        idea = _load_idea(session, idea_id)
        board = _answerable_board(session, idea, person)
        return idea_record(idea, None, None, board)


def _recipients(session: Session, idea: Idea, *, changed_by: str) -> tuple[str | None, list[str]]:
    """Return (the author's id if notified, every recipient) for a change of the idea's status.

    The author of an anonymous idea is unknown, since the idea stores no author.
    The person who made the change gets the handler's confirmation instead.
    """
    author_id = None if idea.anonymous else idea.author_id
    people = set(status_store.list_voter_ids(session, idea.id, platform=idea.platform))
    if author_id is not None:
        people.add(author_id)
    people.discard(changed_by)
    if author_id == changed_by:
        author_id = None
    return author_id, sorted(people)


def set_idea_status(
    db: Database,
    person: Person,
    *,
    idea_id: int,
    status: str,
    reply: str | None,
    now: datetime,
    notifier: StatusNotifier,
) -> StatusChange:
    """Set an idea's status and reply, record who set it when, and notify its author and voters.

    Only the lead of the idea's board or an engagement manager may do this, on
    an open or a closed board. The notifications are enqueued in the outbox in
    the transaction that stores the change, one per person with the key
    status_dedupe_key(change_id, user_id), so each person gets one message per
    change, even when the author also voted. Only a new status, or a new or
    edited reply to the same status, notifies anyone. Removing the reply of the
    same status is recorded and notifies nobody, and setting the same status and
    reply again changes nothing and notifies nobody.

    Raises InvalidInput for an unknown status, a reply over MAX_REPLY_LENGTH or
    an idea outside a board, PermissionDenied for anyone else, and NotFound for
    an unknown idea. Nothing is stored when any of them is raised.
    """
    status = validate_status(status)
    reply = validate_reply(reply)
    # The link is looked up before the transaction, because the platform call
    # must not hold the idea's row lock (or SQLite's write lock) while it runs.
    located = check_can_answer(db, person, idea_id=idea_id)
    link = None
    if located.channel_id is not None and located.message_id is not None:
        link = notifier.idea_link(channel_id=located.channel_id, message_id=located.message_id)

    with db.transaction() as session:
        idea = _load_idea(session, idea_id, for_update=True)
        board = _answerable_board(session, idea, person)
        if idea.status == status and idea.status_reply == reply:
            return StatusChange(
                idea=idea_record(idea, None, None, board),
                platform=idea.platform,
                change_id=None,
                status=status,
                reply=reply,
                changed_by=person.user_id,
                changed_at=now,
                changed=False,
                author_id=None,
                recipients=(),
                idea_link=link,
                previous_status=idea.status,
            )
        previous_status = idea.status
        row = status_store.add_status_change(
            session, idea, status=status, reply=reply, changed_by=person.user_id, changed_at=now
        )
        if status != previous_status or reply is not None:
            author_id, recipients = _recipients(session, idea, changed_by=person.user_id)
        else:
            # Only the reply was removed. The redrawn idea message shows that, so nobody
            # gets a direct message.
            author_id, recipients = None, []
        change = StatusChange(
            idea=idea_record(idea, None, None, board),
            platform=idea.platform,
            change_id=row.id,
            status=status,
            reply=reply,
            changed_by=person.user_id,
            changed_at=now,
            changed=True,
            author_id=author_id,
            recipients=tuple(recipients),
            idea_link=link,
            previous_status=previous_status,
        )
        if recipients:
            keys = {user_id: status_dedupe_key(row.id, user_id) for user_id in recipients}
            messages = notifier.status_messages(change, dedupe_keys=keys)
            outbox.enqueue_in(session, messages, now=now)
    logger.info(
        "Idea %s status set to %s by %s (change %s, %s to notify)",
        idea_id,
        status,
        person.user_id,
        change.change_id,
        len(recipients),
    )
    return change
