"""Your Shout boards for team leads in Teams: the board form, and `board close` and `board reopen`.

`board`, sent in a team's channel with the bot @mentioned, sends the form for
that channel. Sent in the personal chat, the form lets the lead choose the
channel. openBoard opens the board with the sender as its lead and posts its
header card in the channel. Each step calls the core function Slack's
/yourshout calls, which checks who may act.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core import board_state, boards, roles
from bot.core.boards import BoardExists
from bot.core.errors import DeliveryFailed, InvalidInput, PermissionDenied
from bot.core.records import BoardRecord, Person
from handlers.teams.activity import PLATFORM, sender
from handlers.teams.cards import Card, notice_card
from handlers.teams.cards_boards import REPLACE, board_header_card, replace_offer
from handlers.teams.cards_ids import TOGGLE_ON, BoardInput, CardVerb
from handlers.teams.cards_manage import board_form
from handlers.teams.command_args import (
    channel_choices,
    command_channel,
    known_channel,
    resolve_channel,
)
from handlers.teams.connector import card_activity
from handlers.teams.context import TeamsContext
from handlers.teams.front import TeamsFront
from handlers.teams.responses import Response, card_response, notice_response, with_action_data

logger = logging.getLogger(__name__)

BOARD_WORDS = ("board", "yourshout")
BOARD_HELP = (
    "**board**, sent in your team's channel with @staffvoice, sends the form that opens a "
    "Your Shout board there, with you as its lead; sent here, the form lets you choose the "
    "channel. **board close** and **board reopen**, sent in the board's channel, close it or "
    "open it again; here, name the channel: **board close CHANNEL**. These commands are for "
    "team leads and engagement managers."
)
NO_CHANNELS = (
    "The bot has not seen a Teams channel yet, so there is none to open a board in. "
    "Add the staffvoice app to your team in Teams, then send board again."
)


def register(front: TeamsFront) -> None:
    """Add the board command and the board form's action to the front."""
    front.add_command(board_command)
    front.add_card_handler(CardVerb.OPEN_BOARD, open_from_card)


def _require_can_start(ctx: TeamsContext, person: Person) -> None:
    """Raise PermissionDenied unless the person is a team lead or an engagement manager."""
    if roles.is_manager(ctx.db, person) or roles.has_role(ctx.db, person, roles.LEAD):
        return
    raise PermissionDenied(
        "Only team leads and engagement managers can open a Your Shout board, so nothing was "
        "changed. To get the team lead role, ask an administrator to run "
        f"`staffvoice roles grant {person.user_id} lead`."
    )


def board_command(ctx: TeamsContext, activity: dict[str, Any], text: str) -> Card | str | None:
    """Send the board form, or close or reopen a board; return None for other text.

    Raises PermissionDenied for someone who may not, and InvalidInput for a
    channel the bot has not seen. The front sends their message, and nothing changes.
    """
    words = text.split()
    if not words or words[0].lower() not in BOARD_WORDS:
        return None
    action = words[1].lower() if len(words) > 1 else "new"
    arguments = words[2:]
    if action in {"help", "?"}:
        return BOARD_HELP
    person = sender(activity)
    if action in {"new", "start", "open"} and not arguments:
        _require_can_start(ctx, person)
        return _form(ctx, activity)
    if action in {"close", "reopen"}:
        return _change_state(ctx, activity, person, action=action, arguments=arguments)
    return f"**{text}** is not a board command. {BOARD_HELP}"


def _form(
    ctx: TeamsContext,
    activity: dict[str, Any],
    *,
    values: dict[str, str] | None = None,
    error: str | None = None,
    error_field: str | None = None,
) -> Card | str:
    """Return the board form: for the channel it is sent in, or with a channel choice."""
    channel = command_channel(activity)
    if channel is not None:
        card = board_form(values=values, error=error, error_field=error_field)
        return with_action_data(card, {BoardInput.CHANNEL.value: channel})
    choices = channel_choices(ctx.db)
    if not choices:
        return NO_CHANNELS
    return board_form(values=values, error=error, error_field=error_field, channels=choices)


def open_from_card(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Open a board from the form, or replace its question when the form's offer was accepted.

    A channel with a board already gets the form back with an offer to replace
    its question. A form value the core rejects comes back with the error.
    """
    person = sender(activity)
    question = " ".join(str(data.get(BoardInput.QUESTION.value) or "").split())
    channel = str(data.get(BoardInput.CHANNEL.value) or "") or command_channel(activity) or ""
    values = {BoardInput.QUESTION.value: question, BoardInput.CHANNEL.value: channel}

    def again(error: str, field: str) -> Response:
        form = _form(ctx, activity, values=values, error=error, error_field=field)
        if isinstance(form, str):
            return notice_response("Not opened", form, style="attention")
        return card_response(form)

    if not question:
        return again("Write the question the board asks.", "question")
    if not channel:
        return again("Choose the channel to open the board in.", "channel")
    try:
        seen = known_channel(ctx.db, channel)
    except InvalidInput as error:
        return again(error.user_message, "channel")
    replace = str(data.get(REPLACE)).lower() == TOGGLE_ON
    try:
        # NOTE: Teams does not say in an activity whether a channel is private, so
        # every Teams board is stored as public.
        change = boards.start_board(
            ctx.db,
            person,
            channel_id=channel,
            question=question,
            private=False,
            channel_name=seen.name,
            replace=replace,
            now=ctx.clock.now(),
        )
    except BoardExists as exists:
        return card_response(
            replace_offer(
                exists.board, question=question, channel_id=channel, idea_count=exists.idea_count
            )
        )
    except InvalidInput as error:
        return again(error.user_message, error.field or "question")
    board = change.board
    where = seen.name or channel
    if replace:
        _show_state_change(ctx, board, lead_name=person.display_name)
        return notice_response(
            "Question replaced",
            f"The Your Shout board in {where} now asks: \u201c{board.question}\u201d. "
            "Its ideas stay.",
            style="good",
        )
    failure = _post_header(ctx, board, lead_name=person.display_name)
    logger.info("User %s opened board %s from the Teams form", person.user_id, board.id)
    text = f"The Your Shout board in {where} is open, asking: \u201c{board.question}\u201d."
    if failure:
        text += f" Its card could not be posted in the channel: {failure}"
    return notice_response("Board opened", text, style="good")


def _change_state(
    ctx: TeamsContext,
    activity: dict[str, Any],
    person: Person,
    *,
    action: str,
    arguments: list[str],
) -> Card | str:
    """Close or reopen the board of the channel the command names or was sent in."""
    if arguments:
        channel: str | None = resolve_channel(ctx.db, " ".join(arguments)).conversation_id
    else:
        channel = command_channel(activity)
    if channel is None:
        return (
            f"Send **board {action}** in the board's channel with @staffvoice, or name the "
            f"channel here: **board {action} CHANNEL**."
        )
    if boards.board_in_channel(ctx.db, platform=PLATFORM, channel_id=channel) is None:
        return (
            "That channel has no Your Shout board. A team lead can open one by sending "
            "**board** there with @staffvoice."
        )
    now = ctx.clock.now()
    if action == "close":
        change = boards.close_board(ctx.db, person, channel_id=channel, now=now)
    else:
        change = boards.reopen_board(ctx.db, person, channel_id=channel, now=now)
    board = change.board
    lead_name = person.display_name if person.user_id == board.lead_id else None
    if change.changed:
        _show_state_change(ctx, board, lead_name=lead_name)
    if action == "close":
        title = "Board closed" if change.changed else "Closed already"
        text = (
            f"The Your Shout board asking \u201c{board.question}\u201d is closed. Voting has "
            "stopped; its ideas and answers stay, and board reopen opens it again."
        )
    else:
        title = "Board reopened" if change.changed else "Open already"
        text = f"The Your Shout board asking \u201c{board.question}\u201d is open."
    return notice_card(title, text)


def _show_state_change(ctx: TeamsContext, board: BoardRecord, *, lead_name: str | None) -> None:
    """Show a board's new state or question: its header card now, its idea cards soon."""
    _update_header(ctx, board, lead_name=lead_name)
    idea_ids = board_state.posted_idea_ids(ctx.db, board.id)
    for idea_id in idea_ids:
        ctx.publisher.refresh_idea(idea_id)
    logger.info("Board %s is %s; %s idea cards to redraw", board.id, board.status, len(idea_ids))


def _post_header(ctx: TeamsContext, board: BoardRecord, *, lead_name: str | None) -> str | None:
    """Post the board's header card and store its id; return why it failed, or None."""
    card = board_header_card(board, lead_name=lead_name)
    try:
        message_id = ctx.publisher.post_card(
            board.channel_id, card, text=f"Your Shout: {board.question}"
        )
    except DeliveryFailed as error:
        logger.warning("Header of board %s not posted (%s)", board.id, error.reason)
        return error.user_message
    boards.record_header(ctx.db, board.id, message_id=message_id)
    return None


def _update_header(ctx: TeamsContext, board: BoardRecord, *, lead_name: str | None) -> None:
    """Redraw the board's header card, or post it when it has none.

    A failure is logged and not raised, because the board's change is stored already.
    """
    if board.header_message_id is None:
        _post_header(ctx, board, lead_name=lead_name)
        return
    card = board_header_card(board, lead_name=lead_name)
    try:
        service_url = known_channel(ctx.db, board.channel_id).service_url
        ctx.connector.update(
            service_url, board.channel_id, board.header_message_id, card_activity(card)
        )
    except (DeliveryFailed, InvalidInput) as error:
        logger.warning("Header card of board %s not updated (%s)", board.id, error.code)
