"""Listeners for answering ideas: the status menu on an idea message and the status modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import ideas, statuses
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.records import Person
from handlers import errors
from handlers.blocks.statuses import (
    MENU_OUT_OF_DATE,
    parse_menu_value,
    status_modal,
    status_saved,
)
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import StatusIds

logger = logging.getLogger(__name__)

# Modal errors are plain text, so these name no lead with a mention.
NOT_LEAD = (
    "Only this board's lead or an engagement manager can answer its ideas, so nothing was changed."
)
NOT_MANAGER = "Only an engagement manager can answer this idea, so nothing was changed."


def register(app: App, ctx: HandlerContext) -> None:
    """Register the status menu of idea messages and the status modal's submission."""

    @app.action(StatusIds.MENU_ACTION.value)
    def handle_status_menu(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            status_menu_choice(ctx, body=body, respond=respond, client=client)

    @app.view(StatusIds.MODAL_CALLBACK.value)
    def handle_status_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            status_submission(ctx, ack=ack, body=body, view=view, client=client)


def _person(body: dict[str, Any]) -> Person:
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    return Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])


def status_menu_choice(
    ctx: HandlerContext, *, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Open the status modal for a manager's or board lead's choice, and reject others privately.

    check_can_answer raises PermissionDenied for a person who may not answer the
    idea, and InvalidInput for a hidden or withdrawn idea. errors.reported sends
    its message privately, and nothing changes.
    """
    action = body["actions"][0]
    value = str((action.get("selected_option") or {}).get("value", ""))
    parsed = parse_menu_value(value)
    if parsed is None or parsed[1] not in statuses.STATUS_LABELS:
        logger.warning("Status menu with an unreadable value %r", value)
        respond(text=MENU_OUT_OF_DATE, response_type="ephemeral", replace_original=False)
        return
    idea_id, status = parsed
    idea = statuses.check_can_answer(ctx.db, _person(body), idea_id=idea_id)
    client.views_open(trigger_id=body["trigger_id"], view=status_modal(idea, status=status))


def _modal_errors(
    error: InvalidInput | PermissionDenied | NotFound, *, on_board: bool
) -> dict[str, str]:
    """Map a core error to the modal block that shows it."""
    if isinstance(error, PermissionDenied):
        return {StatusIds.STATUS_BLOCK.value: NOT_LEAD if on_board else NOT_MANAGER}
    if isinstance(error, InvalidInput) and error.field == "reply":
        return {StatusIds.REPLY_BLOCK.value: error.user_message}
    if isinstance(error, InvalidInput) and error.field == "owner":
        return {StatusIds.OWNER_BLOCK.value: error.user_message}
    return {StatusIds.STATUS_BLOCK.value: error.user_message}


def _on_board(ctx: HandlerContext, idea_id: str) -> bool:
    """Return whether the idea is on a Your Shout board, for the rejection's wording."""
    try:
        return ideas.get_idea(ctx.db, int(idea_id)).board_id is not None
    except NotFound:
        return False


def _text_input(values: dict[str, Any], block: StatusIds, action: StatusIds) -> str | None:
    value = values.get(block, {}).get(action, {}).get("value")
    return value if isinstance(value, str) else None


def status_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Set the idea's status from the modal, redraw its message, and confirm privately.

    Invalid input and a rejected permission are shown inline, and the modal stays open.
    """
    values = view["state"]["values"]
    metadata = str(view.get("private_metadata") or "")
    selected = (
        values.get(StatusIds.STATUS_BLOCK, {})
        .get(StatusIds.STATUS_ACTION, {})
        .get("selected_option")
        or {}
    )
    status = str(selected.get("value") or "")
    reply = _text_input(values, StatusIds.REPLY_BLOCK, StatusIds.REPLY_ACTION)
    # A form opened before the owner field existed keeps the idea's owner.
    owner = (
        _text_input(values, StatusIds.OWNER_BLOCK, StatusIds.OWNER_ACTION)
        if StatusIds.OWNER_BLOCK in values
        else statuses.KEEP_OWNER
    )
    if not metadata.isdigit():
        logger.warning("Status modal with unreadable private_metadata %r", metadata)
        ack(
            response_action="errors",
            errors={
                StatusIds.STATUS_BLOCK.value: "This form is out of date. Close it and "
                "choose the status from the idea's menu again."
            },
        )
        return
    person = _person(body)
    try:
        change = statuses.set_idea_status(
            ctx.db,
            person,
            idea_id=int(metadata),
            status=status,
            reply=reply,
            owner=owner,
            now=ctx.clock.now(),
            notifier=ctx.publisher,
        )
    except (InvalidInput, PermissionDenied, NotFound) as error:
        logger.info(
            "Status modal for idea %s by %s rejected: %s", metadata, person.user_id, error.code
        )
        ack(
            response_action="errors", errors=_modal_errors(error, on_board=_on_board(ctx, metadata))
        )
        return
    ack()
    if change.changed:
        ctx.publisher.redraw_idea(change.idea.id)
    _tell_privately(
        client, user_id=person.user_id, channel_id=change.idea.channel_id, text=status_saved(change)
    )


def _tell_privately(client: WebClient, *, user_id: str, channel_id: str | None, text: str) -> None:
    """Send an ephemeral message in the idea's channel, or a direct message where that fails."""
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
            return
        except SlackApiError as error:
            # A manager outside the board's channel cannot see an ephemeral message there.
            logger.info(
                "chat.postEphemeral in %s failed (%s); sending a direct message",
                channel_id,
                error.response.get("error"),
            )
    client.chat_postMessage(channel=user_id, text=text)
