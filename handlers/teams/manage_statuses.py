"""Answering ideas in Teams: `status IDEA-ID` sends the status form, and setStatus saves it.

The core decides who may answer: an engagement manager any idea, a board's
lead the ideas on that board. It stores the answer and enqueues the direct
messages to the idea's author and voters, which the Teams publisher builds.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import ideas, statuses
from bot.core.errors import InvalidInput
from bot.core.records import IdeaRecord
from handlers.teams.activity import PLATFORM, sender
from handlers.teams.cards import Card
from handlers.teams.cards_ids import CardData, CardVerb, StatusInput
from handlers.teams.cards_manage import status_form
from handlers.teams.command_args import whole_number
from handlers.teams.context import TeamsContext
from handlers.teams.front import TeamsFront
from handlers.teams.responses import Response, card_response, notice_response

logger = logging.getLogger(__name__)

USAGE = "status IDEA-ID"
# The core's InvalidInput fields that the status form shows beside an input.
FORM_FIELDS = frozenset(input_id.value for input_id in StatusInput)


def register(front: TeamsFront) -> None:
    """Add the status command and the status form's action to the front."""
    front.add_command(status_command)
    front.add_card_handler(CardVerb.SET_STATUS, set_from_card)


def _other_platform(idea: IdeaRecord) -> str | None:
    """Return why a Teams user cannot answer the idea here, or None when they can."""
    if idea.platform == PLATFORM:
        return None
    return (
        f"Idea {idea.id} was posted in {idea.platform.capitalize()}, so answer it there: its "
        "author and voters are told in that app."
    )


def status_command(ctx: TeamsContext, activity: dict[str, Any], text: str) -> Card | str | None:
    """Return the status form of an idea for its board's lead or a manager; None for other text.

    Raises PermissionDenied for anyone else, and NotFound or InvalidInput (a
    hidden or withdrawn idea) as set_idea_status would; nothing changes.
    """
    words = text.split()
    if not words or words[0].lower() != "status":
        return None
    if len(words) != 2:
        return f"Write it as **{USAGE}**, with the number at the foot of the idea's card."
    idea_id = whole_number(words[1], name="idea ID", usage=USAGE)
    idea = statuses.check_can_answer(ctx.db, sender(activity), idea_id=idea_id)
    return _other_platform(idea) or status_form(idea)


def _idea_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data[CardData.IDEA_ID.value])
    except (KeyError, TypeError, ValueError):
        return None


def _text(data: dict[str, Any], input_id: StatusInput) -> str:
    value = data.get(input_id.value)
    return str(value).strip() if value is not None else ""


def set_from_card(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Save the answer the status form sent, redraw the idea's card, and confirm.

    A value the core rejects brings the form back with the error. A refusal
    (PermissionDenied) or an unknown idea (NotFound) reaches the front, which
    shows its message; nothing is stored then.
    """
    idea_id = _idea_id(data)
    if idea_id is None:
        return notice_response(
            "Not saved", "This form names no idea. Send status IDEA-ID again.", style="attention"
        )
    idea = ideas.get_idea(ctx.db, idea_id)
    elsewhere = _other_platform(idea)
    if elsewhere:
        return notice_response("Not saved", elsewhere, style="attention")
    values = {input_id.value: _text(data, input_id) for input_id in StatusInput}
    status = values[StatusInput.STATUS]
    if not status:
        form = status_form(idea, values=values, error="Choose the idea's status.")
        return card_response(form)
    person = sender(activity)
    try:
        change = statuses.set_idea_status(
            ctx.db,
            person,
            idea_id=idea_id,
            status=status,
            reply=values[StatusInput.REPLY] or None,
            owner=values[StatusInput.OWNER] or None,
            now=ctx.clock.now(),
            notifier=ctx.publisher,
        )
    except InvalidInput as error:
        if error.field not in FORM_FIELDS:
            return notice_response("Not saved", error.user_message, style="attention")
        form = status_form(idea, values=values, error=error.user_message, error_field=error.field)
        return card_response(form)
    if not change.changed:
        return notice_response(
            "Nothing changed", f"Idea {idea_id} has this answer already.", style="default"
        )
    ctx.publisher.refresh_idea(idea_id)
    logger.info(
        "User %s answered idea %s from Teams (%s to notify)",
        person.user_id,
        idea_id,
        len(change.recipients),
    )
    text = f"Idea {idea_id} is now {statuses.status_label(change.status)}."
    if change.recipients:
        people = "1 person" if len(change.recipients) == 1 else f"{len(change.recipients)} people"
        text += (
            f" The bot tells {people} who posted or voted for it, in their chat with staffvoice."
        )
    return notice_response("Answer saved", text, style="good")
