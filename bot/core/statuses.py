"""Idea statuses: how a lead or manager answers an idea, the labels people see, the notifications.

A status change is stored on the idea, appended to its history, and announced
by direct message to the idea's author and voters through the outbox, all in
one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Literal

from sqlalchemy.orm import Session

from bot.core import outbox, roles
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.ideas import idea_record
from bot.core.records import IdeaRecord, Person
from storage import boards as board_store
from storage import campaigns as campaign_store
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
IN_PROGRESS = "in_progress"
DONE = "done"
NOT_TAKEN_FORWARD = "not_taken_forward"

# Every status in the order menus list them, with its label.
STATUS_LABELS = {
    UNDER_CONSIDERATION: "Under consideration",
    PLANNED: "Planned",
    IN_PROGRESS: "In progress",
    DONE: "Done",
    NOT_TAKEN_FORWARD: "Not taken forward",
}
# Statuses after which an idea no longer waits for action.
FINAL_STATUSES = frozenset({DONE, NOT_TAKEN_FORWARD})
# The reply is meant as a short answer shown under the idea.
MAX_REPLY_LENGTH = 500
# The length of the ideas.status_owner and idea_status_changes.owner columns.
MAX_OWNER_LENGTH = 200


class _Keep(Enum):
    OWNER = "keep-owner"


# Passed as set_idea_status's owner to keep the idea's owner as it is.
KEEP_OWNER: Literal[_Keep.OWNER] = _Keep.OWNER
# The changed_by of changes made with `staffvoice ideas status`, which has no chat user.
CLI_CHANGED_BY = "cli"


def status_label(status: str | None) -> str:
    """Return the label of a status, or "Not answered yet" for an idea without one."""
    if status is None:
        return "Not answered yet"
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


@dataclass(frozen=True)
class StatusChange:
    """The outcome of setting an idea's status, with the people its notification goes to.

    When changed is False, the idea had this status, reply and owner already: no
    history row was added (change_id is None) and nobody is notified. A change
    that keeps the status and only removes the reply or changes the owner is
    recorded but notifies nobody.
    """

    idea: IdeaRecord
    platform: str
    change_id: int | None
    status: str
    reply: str | None
    # The user id of the person who set the status, or CLI_CHANGED_BY.
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
    # Who takes the idea forward, as written by the person answering, or None.
    owner: str | None = None
    previous_reply: str | None = None
    previous_owner: str | None = None

    @property
    def status_changed(self) -> bool:
        """Whether the status differs from the previous one, rather than only the reply."""
        return self.status != self.previous_status

    @property
    def reply_changed(self) -> bool:
        """Whether the reply differs from the previous one."""
        return self.reply != self.previous_reply

    @property
    def owner_changed(self) -> bool:
        """Whether the owner differs from the previous one."""
        return self.owner != self.previous_owner

    @property
    def by_cli(self) -> bool:
        """Whether the change came from `staffvoice ideas status`, not from a person in chat."""
        return self.changed_by == CLI_CHANGED_BY


def validate_status(status: str) -> str:
    """Return the status name, raising InvalidInput listing the valid ones when it is unknown."""
    if status not in STATUS_LABELS:
        raise InvalidInput(
            f"{status!r} is not a status. Choose one of: {valid_statuses()}.", field="status"
        )
    return status


def valid_statuses() -> str:
    """Return the statuses as "name (Label)", comma-separated, for error messages."""
    return ", ".join(f"{name} ({label})" for name, label in STATUS_LABELS.items())


def parse_status(text: str) -> str | None:
    """Return the status a name or label means, in any case and spacing, or None.

    "In progress", "in_progress" and "IN PROGRESS" all mean IN_PROGRESS.
    """
    requested = " ".join(text.replace("_", " ").split()).casefold()
    for name, label in STATUS_LABELS.items():
        if requested in (name.replace("_", " "), label.casefold()):
            return name
    return None


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


def validate_owner(owner: str | None) -> str | None:
    """Return the owner on one line and stripped, or None when empty.

    Raises InvalidInput when it is longer than MAX_OWNER_LENGTH.
    """
    cleaned = " ".join((owner or "").split())
    if len(cleaned) > MAX_OWNER_LENGTH:
        raise InvalidInput(
            f"The owner has {len(cleaned)} characters; the maximum is {MAX_OWNER_LENGTH}. "
            "Name the team or role, such as Estates team.",
            field="owner",
        )
    return cleaned or None


def status_dedupe_key(change_id: int, user_id: str) -> str:
    """Return the outbox key of one person's notification about one status change."""
    return f"idea-status:{change_id}:{user_id}"


def check_answerable(idea: Idea) -> None:
    """Raise InvalidInput when the idea is hidden or withdrawn, since its answer cannot change."""
    if idea.withdrawn_at is not None:
        raise InvalidInput(
            f"Idea {idea.id} was withdrawn by its author, so its status cannot change. "
            "Nothing was changed.",
            field="idea",
        )
    if idea.hidden_at is not None:
        raise InvalidInput(
            f"Idea {idea.id} is hidden by a moderator, so its status cannot change. "
            "Restore it from the moderation queue first; nothing was changed.",
            field="idea",
        )


def _check_permission(session: Session, idea: Idea, person: Person) -> Board | None:
    """Check that the person may set the idea's status, and return its board if it has one.

    Raises PermissionDenied unless the person is an engagement manager or, for
    an idea on a Your Shout board, that board's lead. Raises InvalidInput for a
    hidden or withdrawn idea.
    """
    check_answerable(idea)
    board = board_store.get_board(session, idea.board_id) if idea.board_id is not None else None
    is_manager = role_store.has_role(
        session, platform=person.platform, user_id=person.user_id, role=roles.MANAGER
    )
    if is_manager:
        return board
    if board is not None:
        if board.lead_id != person.user_id:
            raise PermissionDenied(
                "Only this board's lead or an engagement manager can "
                "answer its ideas, so nothing was changed."
            )
        return board
    where = "campaign ideas" if idea.campaign_id is not None else "ideas on the standing list"
    raise PermissionDenied(
        f"Only an engagement manager can answer {where}, so nothing was changed."
    )


def _load_idea(session: Session, idea_id: int, *, for_update: bool = False) -> Idea:
    if for_update:
        idea = status_store.lock_idea(session, idea_id)
    else:
        idea = idea_store.get_idea(session, idea_id)
    if idea is None:
        raise NotFound(f"There is no idea {idea_id}; it may have been removed.")
    return idea


def _record(session: Session, idea: Idea, board: Board | None) -> IdeaRecord:
    campaign = (
        campaign_store.get_campaign(session, idea.campaign_id)
        if idea.campaign_id is not None
        else None
    )
    return idea_record(idea, campaign, None, board)


def check_can_answer(db: Database, person: Person, *, idea_id: int) -> IdeaRecord:
    """Return the idea when the person may set its status, else raise as set_idea_status would."""
    with db.transaction() as session:
        idea = _load_idea(session, idea_id)
        board = _check_permission(session, idea, person)
        return _record(session, idea, board)


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


def apply_status_change(
    session: Session,
    idea: Idea,
    *,
    board: Board | None,
    status: str,
    reply: str | None,
    owner: str | None,
    changed_by: str,
    now: datetime,
    notifier: StatusNotifier,
    link: str | None = None,
) -> StatusChange:
    """Store a checked answer on a locked idea and enqueue its notifications, in session.

    The caller has validated the values and checked who may answer. Only a new
    status, or a new or edited reply, notifies anyone: removing the reply or
    changing only the owner is recorded and notifies nobody, and the same
    status, reply and owner again changes nothing. The notifications are
    enqueued in the outbox with the key status_dedupe_key(change_id, user_id),
    so each person gets one message per change, even when the author also voted.
    """
    previous_status, previous_reply, previous_owner = (
        idea.status,
        idea.status_reply,
        idea.status_owner,
    )
    if (previous_status, previous_reply, previous_owner) == (status, reply, owner):
        return StatusChange(
            idea=_record(session, idea, board),
            platform=idea.platform,
            change_id=None,
            status=status,
            reply=reply,
            changed_by=changed_by,
            changed_at=now,
            changed=False,
            author_id=None,
            recipients=(),
            idea_link=link,
            previous_status=previous_status,
            owner=owner,
            previous_reply=previous_reply,
            previous_owner=previous_owner,
        )
    row = status_store.add_status_change(
        session,
        idea,
        status=status,
        reply=reply,
        owner=owner,
        changed_by=changed_by,
        changed_at=now,
    )
    if status != previous_status or (reply is not None and reply != previous_reply):
        author_id, recipients = _recipients(session, idea, changed_by=changed_by)
    else:
        # Only the reply was removed or the owner changed. The redrawn idea message
        # shows that, so nobody gets a direct message.
        author_id, recipients = None, []
    change = StatusChange(
        idea=_record(session, idea, board),
        platform=idea.platform,
        change_id=row.id,
        status=status,
        reply=reply,
        changed_by=changed_by,
        changed_at=now,
        changed=True,
        author_id=author_id,
        recipients=tuple(recipients),
        idea_link=link,
        previous_status=previous_status,
        owner=owner,
        previous_reply=previous_reply,
        previous_owner=previous_owner,
    )
    if recipients:
        keys = {user_id: status_dedupe_key(row.id, user_id) for user_id in recipients}
        messages = notifier.status_messages(change, dedupe_keys=keys)
        outbox.enqueue_in(session, messages, now=now)
    return change


def set_idea_status(
    db: Database,
    person: Person,
    *,
    idea_id: int,
    status: str,
    reply: str | None,
    owner: str | None | Literal[_Keep.OWNER] = KEEP_OWNER,
    now: datetime,
    notifier: StatusNotifier,
) -> StatusChange:
    """Set an idea's status, reply and owner, record who set them when, and notify people.

    An engagement manager may answer any idea: on a board, in a campaign (open
    or closed) or on the standing list. A board's lead may answer the ideas on
    that board. The notifications to the author and voters are enqueued in the
    transaction that stores the change, as apply_status_change describes.
    With owner KEEP_OWNER, for a form without the owner field, the idea keeps
    its owner, and None or an empty owner removes it.

    Raises InvalidInput for an unknown status, a reply over MAX_REPLY_LENGTH, an
    owner over MAX_OWNER_LENGTH or a hidden or withdrawn idea, PermissionDenied
    for anyone else, and NotFound for an unknown idea. Nothing is stored when
    any of them is raised.
    """
    status = validate_status(status)
    reply = validate_reply(reply)
    new_owner = owner if owner is KEEP_OWNER else validate_owner(owner)
    # The link is looked up before the transaction, because the platform call
    # must not hold the idea's row lock (or SQLite's write lock) while it runs.
    located = check_can_answer(db, person, idea_id=idea_id)
    link = None
    if located.channel_id is not None and located.message_id is not None:
        link = notifier.idea_link(channel_id=located.channel_id, message_id=located.message_id)

    with db.transaction() as session:
        idea = _load_idea(session, idea_id, for_update=True)
        board = _check_permission(session, idea, person)
        change = apply_status_change(
            session,
            idea,
            board=board,
            status=status,
            reply=reply,
            owner=idea.status_owner if new_owner is KEEP_OWNER else new_owner,
            changed_by=person.user_id,
            now=now,
            notifier=notifier,
            link=link,
        )
    logger.info(
        "Idea %s status set to %s by %s (change %s, %s to notify)",
        idea_id,
        status,
        person.user_id,
        change.change_id,
        len(change.recipients),
    )
    return change
