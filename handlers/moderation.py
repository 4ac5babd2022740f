"""Listeners for moderation: the report shortcut, the queue's buttons and relayed messages.

`/campaign moderate` calls show_queue, and a manager's Home tab shows the
same queue with the same buttons. Logs carry ids only: never a reason,
a relayed message or who reported what.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core import moderation, relay
from bot.core.errors import InvalidInput, NotFound
from bot.core.moderation import ModeratedItem
from bot.core.records import Person
from handlers import errors
from handlers.blocks.moderation import (
    NOT_REPORTABLE,
    REPORT_THANKS,
    SlackRelayRenderer,
    action_confirmation,
    message_author_modal,
    queue_message,
    reply_modal,
    report_modal,
)
from handlers.blocks.own_posts import anonymous_comment_message, hidden_comment_message
from handlers.context import PLATFORM, HandlerContext
from handlers.home import is_home_action, publish_home
from handlers.ids import ModerationIds
from handlers.members import WorkspaceMembers

logger = logging.getLogger(__name__)

RENDERER = SlackRelayRenderer()


def register(app: App, ctx: HandlerContext) -> None:
    """Register the report shortcut and modal, the queue's buttons and the relay modals."""
    # Built at the first relayed message, from the client Bolt passes to listeners.
    members: WorkspaceMembers | None = None

    @app.shortcut(ModerationIds.REPORT_SHORTCUT.value)
    def handle_report_shortcut(
        ack: Ack, body: dict[str, Any], shortcut: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            report_shortcut(ctx, ack=ack, shortcut=shortcut, client=client)

    @app.view(ModerationIds.REPORT_CALLBACK.value)
    def handle_report_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            report_submission(ctx, ack=ack, body=body, view=view, client=client)

    @app.action(ModerationIds.HIDE_ACTION.value)
    @app.action(ModerationIds.RESTORE_ACTION.value)
    @app.action(ModerationIds.DISMISS_ACTION.value)
    def handle_moderation_action(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            moderation_action(ctx, ack=ack, body=body, respond=respond, client=client)

    @app.action(ModerationIds.MESSAGE_AUTHOR_ACTION.value)
    def handle_message_author_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            ref = moderation.parse_ref(body["actions"][0].get("value", ""))
            client.views_open(trigger_id=body["trigger_id"], view=message_author_modal(ref))

    @app.view(ModerationIds.MESSAGE_CALLBACK.value)
    def handle_message_author_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        nonlocal members
        if members is None:
            members = WorkspaceMembers(client)
        with errors.reported(ack=ack, body=body, client=client):
            message_author_submission(
                ctx, ack=ack, body=body, view=view, client=client, members=members
            )

    @app.action(ModerationIds.REPLY_ACTION.value)
    def handle_reply_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            value = body["actions"][0].get("value", "")
            if not value.isdigit():
                raise InvalidInput("This Reply button is out of date, so it cannot be used.")
            client.views_open(trigger_id=body["trigger_id"], view=reply_modal(int(value)))

    @app.view(ModerationIds.REPLY_CALLBACK.value)
    def handle_reply_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            reply_submission(ctx, ack=ack, body=body, view=view, client=client)


def _person(body: dict[str, Any]) -> Person:
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    return Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])


def _modal_text(view: dict[str, Any], block_id: str, action_id: str) -> str:
    value = view["state"]["values"].get(block_id, {}).get(action_id, {}).get("value")
    return value if isinstance(value, str) else ""


def report_shortcut(
    ctx: HandlerContext, *, ack: Ack, shortcut: dict[str, Any], client: WebClient
) -> None:
    """Open the report modal for the idea or comment the shortcut was used on."""
    ack()
    channel_id = (shortcut.get("channel") or {}).get("id", "")
    message = shortcut.get("message") or {}
    message_id = str(message.get("ts") or "")
    thread_id = message.get("thread_ts")
    ref = moderation.locate_item(
        ctx.db,
        platform=PLATFORM,
        channel_id=channel_id,
        message_id=message_id,
        thread_id=str(thread_id) if thread_id and thread_id != message_id else None,
    )
    if ref is None:
        client.chat_postEphemeral(
            channel=channel_id, user=shortcut["user"]["id"], text=NOT_REPORTABLE
        )
        return
    client.views_open(trigger_id=shortcut["trigger_id"], view=report_modal(ref))


def report_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Store a report and thank the reporter privately; a bad reason is shown in the modal."""
    reason = _modal_text(view, ModerationIds.REASON_BLOCK, ModerationIds.REASON_ACTION)
    try:
        ref = moderation.parse_ref(str(view.get("private_metadata") or ""))
        moderation.validate_reason(reason)
    except InvalidInput as error:
        ack(response_action="errors", errors={ModerationIds.REASON_BLOCK: error.user_message})
        return
    ack()
    reporter = _person(body)
    moderation.report_item(
        ctx.db,
        reporter,
        ref,
        reason=reason,
        now=ctx.clock.now(),
        anon_key=ctx.anon_key,
        notifier=RENDERER,
    )
    client.chat_postMessage(channel=reporter.user_id, text=REPORT_THANKS)


def show_queue(ctx: HandlerContext, *, ack: Ack, respond: Respond, manager: Person) -> None:
    """Reply privately with the moderation queue; links are looked up after the acknowledgement."""
    entries = moderation.moderation_queue(ctx.db, manager)
    # Each link is a chat.getPermalink call, so Slack's 3-second acknowledgement comes first.
    ack()
    links = {entry.item.ref: _link(ctx, entry.item) for entry in entries}
    text, blocks = queue_message(entries, links=links)
    respond(text=text, blocks=blocks, response_type="ephemeral")


def _link(ctx: HandlerContext, item: ModeratedItem) -> str | None:
    if item.channel_id is None or item.message_id is None:
        return None
    return ctx.publisher.permalink(channel=item.channel_id, message_id=item.message_id)


def moderation_action(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Hide, restore or dismiss the item of a pressed button, redraw an idea and confirm.

    From the Home tab, the confirmation comes in the republished tab.
    """
    ack()
    action = body["actions"][0]
    ref = moderation.parse_ref(action.get("value", ""))
    manager = _person(body)
    now = ctx.clock.now()
    if action["action_id"] == ModerationIds.HIDE_ACTION:
        result = moderation.hide_item(ctx.db, manager, ref, now=now)
    elif action["action_id"] == ModerationIds.RESTORE_ACTION:
        result = moderation.restore_item(ctx.db, manager, ref, now=now)
    else:
        result = moderation.dismiss_item(ctx.db, manager, ref, now=now)
    if result.changed and result.action != "dismiss" and ref.kind == moderation.IDEA:
        ctx.publisher.redraw_idea(ref.item_id)
    elif result.changed and result.action != "dismiss" and result.item.anonymous:
        _redraw_anonymous_comment(client, result.item)
    text, blocks = action_confirmation(result)
    if is_home_action(body):
        # A Home tab button has no response URL, so the confirmation heads the republished tab.
        publish_home(ctx, client, manager, notice=blocks)
        return
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def _redraw_anonymous_comment(client: WebClient, item: ModeratedItem) -> None:
    """Show a hidden notice in place of an anonymous comment, or its text once restored.

    The bot posted an anonymous comment's thread reply itself, so unlike a
    person's own reply it can change it.
    """
    if item.channel_id is None or item.message_id is None or item.deleted:
        return
    if item.hidden:
        fallback, blocks = hidden_comment_message()
    else:
        fallback, blocks = anonymous_comment_message(item.text)
    client.chat_update(channel=item.channel_id, ts=item.message_id, text=fallback, blocks=blocks)


def message_author_submission(
    ctx: HandlerContext,
    *,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    members: WorkspaceMembers,
) -> None:
    """Send a manager's message to an item's author, and tell the manager how it went.

    Finding an anonymous author may page through users.list, so the modal is
    acknowledged first and the outcome goes to the manager as a direct message.
    """
    text = _modal_text(view, ModerationIds.MESSAGE_BLOCK, ModerationIds.MESSAGE_ACTION)
    try:
        ref = moderation.parse_ref(str(view.get("private_metadata") or ""))
        relay.validate_message(text)
    except InvalidInput as error:
        ack(response_action="errors", errors={ModerationIds.MESSAGE_BLOCK: error.user_message})
        return
    ack()
    manager = _person(body)
    try:
        relay.message_author(
            ctx.db,
            manager,
            ref,
            text=text,
            now=ctx.clock.now(),
            anon_key=ctx.anon_key,
            members=members.people,
            renderer=RENDERER,
        )
    except NotFound as error:
        logger.warning("Author of %s not found; manager %s notified", ref.subject, manager.user_id)
        client.chat_postMessage(channel=manager.user_id, text=error.user_message)
        return
    client.chat_postMessage(
        channel=manager.user_id,
        text=f"Your message is on its way to the author of {ref.kind} {ref.item_id}. "
        "Their reply will come here, without their name.",
    )


def reply_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Send an author's reply to the manager who wrote to them, and confirm privately."""
    text = _modal_text(view, ModerationIds.MESSAGE_BLOCK, ModerationIds.MESSAGE_ACTION)
    metadata = str(view.get("private_metadata") or "")
    try:
        relay.validate_message(text)
        if not metadata.isdigit():
            raise InvalidInput("This form is out of date. Close it and press Reply again.")
    except InvalidInput as error:
        ack(response_action="errors", errors={ModerationIds.MESSAGE_BLOCK: error.user_message})
        return
    ack()
    author = _person(body)
    relay.reply_to_manager(
        ctx.db,
        author,
        relay_id=int(metadata),
        text=text,
        now=ctx.clock.now(),
        anon_key=ctx.anon_key,
        renderer=RENDERER,
    )
    client.chat_postMessage(
        channel=author.user_id, text="Your reply was sent to the manager without your name."
    )
