"""Listeners for /yourshout and the buttons of its replace prompt."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import board_state, boards
from bot.core.boards import BoardExists
from bot.core.errors import DeliveryFailed, InvalidInput, NotFound
from bot.core.ideas import campaign_for_new_idea
from bot.core.outbox import OutboundMessage
from bot.core.records import BoardRecord, Person
from bot.core.schedule import format_local
from handlers import errors, replies
from handlers.blocks.boards import (
    ANSWERS_SHOWN,
    TOP_IDEAS_SHOWN,
    board_list_text,
    header_message,
    overview_message,
    replace_prompt,
)
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import BoardIds
from handlers.publisher import post_failure_hint

logger = logging.getLogger(__name__)

# A user mention as Slack sends it with should_escape: <@U0123> or <@U0123|name>.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
BARE_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
# A channel mention as Slack sends it: <#C0123|name> or <#C0123>.
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
# A public (C) or private (G) channel id typed as it is.
BARE_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
# Slack's own user: users.info reports it with is_bot false, so it is matched by its id.
SLACKBOT_USER_ID = "USLACKBOT"

# The words each subcommand takes and how to write it, for the reply to a wrong count.
USAGE = {
    "close": (1, "no arguments: `/yourshout close`"),
    "reopen": (1, "no arguments: `/yourshout reopen`"),
    "lead": (2, "one person, and optionally a channel: `/yourshout lead @person #channel`"),
    "list": (1, "no arguments: `/yourshout list`"),
}


def register(app: App, ctx: HandlerContext) -> None:
    """Register the /yourshout command and the buttons that replace or keep a board's question."""

    @app.command("/yourshout")
    def handle_yourshout_command(
        ack: Ack,
        body: dict[str, Any],
        command: dict[str, Any],
        client: WebClient,
        respond: Respond,
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            yourshout_command(ctx, ack=ack, command=command, client=client, respond=respond)

    @app.action(BoardIds.REPLACE_ACTION.value)
    def handle_board_replace(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            replace_question(ctx, ack=ack, body=body, client=client, respond=respond)

    @app.action(BoardIds.KEEP_ACTION.value)
    def handle_board_keep(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            keep_question(ctx, ack=ack, body=body, respond=respond)


def plain_text(escaped: str) -> str:
    """Turn slash command text that Slack escaped back into the text the person typed.

    Mentions become @name and #name, and &amp;, &lt; and &gt; their characters.
    """
    text = MENTION.sub(lambda match: "@" + (_mention_name(match) or match.group(1)), escaped)
    text = CHANNEL_MENTION.sub(lambda match: "#" + (match.group(2) or match.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _mention_name(match: re.Match[str]) -> str | None:
    whole = match.group(0)
    return whole[whole.index("|") + 1 : -1] if "|" in whole else None


def parse_user(argument: str) -> str:
    """Return the user id in a mention, <@U0123|name> or <@U0123>, or a bare id such as U0123.

    Raises InvalidInput for anything else, such as "@sam" typed without picking the person.
    """
    argument = argument.strip()
    match = MENTION.fullmatch(argument)
    if match:
        return match.group(1)
    if BARE_USER_ID.fullmatch(argument):
        return argument
    raise InvalidInput(replies.LEAD_MENTION_NEEDED, field="lead")


def parse_channel(argument: str) -> str:
    """Return the channel id in a mention, <#C0123|name> or <#C0123>, or a bare id such as C0123.

    Raises InvalidInput for anything else.
    """
    argument = argument.strip()
    match = CHANNEL_MENTION.fullmatch(argument)
    if match:
        return match.group(1)
    if BARE_CHANNEL_ID.fullmatch(argument):
        return argument
    raise InvalidInput(replies.lead_channel_invalid(argument), field="channel")


def yourshout_command(
    ctx: HandlerContext,
    *,
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    """Show the channel's board, or run a board subcommand.

    A PermissionDenied, NotFound or InvalidInput raised here reaches
    errors.reported, which replies privately, so a refused request changes nothing.
    """
    person = Person(platform=PLATFORM, team_id=command["team_id"], user_id=command["user_id"])
    channel_id = command["channel_id"]
    text = (command.get("text") or "").strip()
    words = text.split()
    action = words[0].lower() if words else ""
    now = ctx.clock.now()

    if not words:
        ack()
        show_board(ctx, channel_id=channel_id, respond=respond)
        return
    if action in {"help", "?"}:
        ack(text=replies.YOURSHOUT_HELP)
        return
    if action == "start":
        question = plain_text(text[len(words[0]) :].strip())
        ack()
        start(
            ctx,
            person=person,
            channel_id=channel_id,
            question=question,
            client=client,
            respond=respond,
        )
        return
    if action in USAGE and len(words) != USAGE[action][0] and not _is_lead_with_channel(words):
        ack(text=replies.yourshout_usage(USAGE[action][1]))
        return
    if action == "close":
        change = boards.close_board(ctx.db, person, channel_id=channel_id, now=now)
        ack(text=replies.board_closed(change.board, changed=change.changed))
        if change.changed:
            show_state_change(ctx, change.board, client=client)
        return
    if action == "reopen":
        change = boards.reopen_board(ctx.db, person, channel_id=channel_id, now=now)
        ack(text=replies.board_reopened(change.board, changed=change.changed))
        if change.changed:
            show_state_change(ctx, change.board, client=client)
        return
    if action == "lead":
        lead(ctx, person=person, channel_id=channel_id, words=words[1:], ack=ack, client=client)
        return
    if action == "digest":
        digest(ctx, person=person, channel_id=channel_id, words=words[1:], ack=ack)
        return
    if action == "list":
        ack()
        listing = board_state.list_workspace_boards(
            ctx.db,
            person,
            # A failed membership check returns None, which hides the private board.
            is_member=lambda channel: (
                ctx.publisher.is_channel_member(channel, person.user_id) is True
            ),
        )
        respond(text=board_list_text(listing), response_type="ephemeral")
        return
    ack(text=replies.yourshout_unknown(text))


def _is_lead_with_channel(words: list[str]) -> bool:
    return len(words) == 3 and words[0].lower() == "lead"


def lead(
    ctx: HandlerContext,
    *,
    person: Person,
    channel_id: str,
    words: list[str],
    ack: Ack,
    client: WebClient,
) -> None:
    """Name a board's new lead: words are a person and, optionally, the board's channel.

    With a channel the command works from any conversation with the bot, so a
    manager who is not a member of a private channel can still hand its board
    on. The reply and the new lead's message show a private board's question
    only to a new lead who is a member of its channel.
    """
    lead_id = parse_user(words[0])
    named_channel = len(words) > 1
    if named_channel:
        channel_id = parse_channel(words[1])
    board = boards.board_in_channel(ctx.db, platform=PLATFORM, channel_id=channel_id)
    if board is None:
        ack(text=replies.no_board_in(channel_id) if named_channel else replies.NO_BOARD)
        return
    _require_active_user(client, lead_id)
    # A failed membership check returns None, which keeps the question out of the message.
    show_question = (
        not board.private or ctx.publisher.is_channel_member(channel_id, lead_id) is True
    )
    change = boards.set_board_lead(
        ctx.db,
        person,
        channel_id=channel_id,
        lead_id=lead_id,
        now=ctx.clock.now(),
        notice=lambda board, key: _lead_notice(
            board, key, by_user_id=person.user_id, show_question=show_question
        ),
    )
    ack(text=replies.board_lead_changed(change.board, changed=change.changed))
    if change.changed:
        update_header(ctx, change.board, client=client)


def show_board(ctx: HandlerContext, *, channel_id: str, respond: Respond) -> None:
    """Reply privately with the channel's board: question, ranked open ideas and answers."""
    board = boards.board_in_channel(ctx.db, platform=PLATFORM, channel_id=channel_id)
    if board is None:
        respond(text=replies.NO_BOARD, response_type="ephemeral")
        return
    overview = board_state.board_overview(ctx.db, board.id)
    permalinks: dict[int, str] = {}
    for idea in (*overview.ranked[:TOP_IDEAS_SHOWN], *overview.answered[:ANSWERS_SHOWN]):
        if idea.channel_id and idea.message_id and idea.idea_id not in permalinks:
            link = ctx.publisher.permalink(channel=idea.channel_id, message_id=idea.message_id)
            if link:
                permalinks[idea.idea_id] = link
    text, blocks = overview_message(overview, permalinks=permalinks)
    campaign = campaign_for_new_idea(
        ctx.db, platform=PLATFORM, channel_id=channel_id, now=ctx.clock.now()
    )
    if board.is_open and campaign is not None and campaign.channel_id == channel_id:
        # A campaign run in the channel takes its ideas first, so the board gets none for now.
        note = replies.board_behind_campaign(
            title=campaign.title, ends=format_local(campaign.ends_at, ctx.timezone)
        )
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": note}}, *blocks]
    respond(text=text, blocks=blocks, response_type="ephemeral")


def start(
    ctx: HandlerContext,
    *,
    person: Person,
    channel_id: str,
    question: str,
    client: WebClient,
    respond: Respond,
) -> None:
    """Open a board and post its header, or offer to replace the question of the channel's board."""
    boards.validate_question(question)
    channel = _channel_info(client, channel_id)
    if channel is None:
        respond(
            text="Start a Your Shout board in your team's channel: the bot cannot see this "
            "conversation. Invite it there with `/invite @staffvoice` first.",
            response_type="ephemeral",
        )
        return
    if not channel.get("is_member"):
        respond(
            text="The bot is not a member of this channel, so it cannot post the board's "
            "question here. Invite it with `/invite @staffvoice`, then send the command again.",
            response_type="ephemeral",
        )
        return
    try:
        change = boards.start_board(
            ctx.db,
            person,
            channel_id=channel_id,
            question=question,
            private=bool(channel.get("is_private")),
            channel_name=channel.get("name"),
            now=ctx.clock.now(),
        )
    except BoardExists as exists:
        text, blocks = replace_prompt(
            exists.board,
            idea_count=exists.idea_count,
            new_question=boards.validate_question(question),
        )
        respond(text=text, blocks=blocks, response_type="ephemeral")
        return
    board = change.board
    try:
        message_id = _post_header(ctx, board, client=client)
    except DeliveryFailed as error:
        respond(
            text=replies.board_header_failed(board, hint=error.reason), response_type="ephemeral"
        )
        return
    pin_failure = _pin(client, channel_id=channel_id, message_id=message_id)
    respond(text=replies.board_started(board, pin_failure=pin_failure), response_type="ephemeral")


def replace_question(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    """Replace the board's question with the one the prompt offered (a lead action).

    A closed board reopens with its new question, and its idea messages are redrawn.
    """
    ack()

    action = body["actions"][0]
    try:
        offer = json.loads(action.get("value") or "")
        board_id, question = int(offer["board"]), str(offer["question"])
    except (ValueError, KeyError, TypeError):
        logger.warning("Replace button pressed by %s has an invalid value", body["user"]["id"])
        respond(
            text="This button is out of date. Send `/yourshout start` with the question again.",
            response_type="ephemeral",
            replace_original=False,
        )
        return

    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    person = Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id", ""
    )

    current = boards.board_in_channel(ctx.db, platform=PLATFORM, channel_id=channel_id)
    if current is None or current.id != board_id:
        respond(
            text="The channel's board has changed since this prompt, so nothing was replaced. "
            "Send `/yourshout` to see it, and `/yourshout start QUESTION` to try again.",
            response_type="ephemeral",
            replace_original=True,
        )
        return

    change = boards.start_board(
        ctx.db,
        person,
        channel_id=channel_id,
        question=question,
        private=current.private,
        replace=True,
        now=ctx.clock.now(),
    )
    reopened = not current.is_open and change.board.is_open
    if reopened:
        show_state_change(ctx, change.board, client=client)
    else:
        update_header(ctx, change.board, client=client)
    respond(
        text=replies.board_question_replaced(change.board, reopened=reopened),
        response_type="ephemeral",
        replace_original=True,
    )


def keep_question(ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], respond: Respond) -> None:
    """Answer the Keep button: the board's question stays as it is."""
    ack()
    value = body["actions"][0].get("value") or ""
    question = None
    if value.isdigit():
        try:
            question = boards.get_board(ctx.db, int(value)).question
        except NotFound:
            question = None
    text = (
        replies.board_question_kept(question)
        if question is not None
        else "The board keeps its question."
    )
    respond(text=text, response_type="ephemeral", replace_original=True)


def digest(
    ctx: HandlerContext, *, person: Person, channel_id: str, words: list[str], ack: Ack
) -> None:
    """Show the board's weekly digest setting, or set its day and time (a lead action)."""
    if not words:
        board = boards.board_in_channel(ctx.db, platform=PLATFORM, channel_id=channel_id)
        if board is None:
            ack(text=replies.NO_BOARD)
            return
        ack(text=replies.digest_setting(board, timezone=ctx.timezone, changed=None))
        return
    weekday, minute = boards.parse_digest_time(words)
    change = boards.set_digest_time(
        ctx.db, person, channel_id=channel_id, weekday=weekday, minute=minute
    )
    ack(text=replies.digest_setting(change.board, timezone=ctx.timezone, changed=change.changed))


def show_state_change(ctx: HandlerContext, board: BoardRecord, *, client: WebClient) -> None:
    """Show a board closed or reopened: its header now, its idea messages paced."""
    update_header(ctx, board, client=client)
    idea_ids = board_state.posted_idea_ids(ctx.db, board.id)
    ctx.publisher.redraw_ideas_paced(idea_ids)
    logger.info("Board %s is %s; %s idea messages queued", board.id, board.status, len(idea_ids))


def update_header(ctx: HandlerContext, board: BoardRecord, *, client: WebClient) -> None:
    """Bring the board's header message up to date; post it anew if it is missing.

    A failure is logged and not raised, because the board's change is stored already.
    """
    text, blocks = header_message(board)
    if board.header_message_id is not None:
        try:
            client.chat_update(
                channel=board.channel_id, ts=board.header_message_id, text=text, blocks=blocks
            )
            return
        except SlackApiError as error:
            reason = error.response.get("error")
            if reason != "message_not_found":
                logger.warning("chat.update of board %s header failed: %s", board.id, reason)
                return
    try:
        message_id = _post_header(ctx, board, client=client)
    except DeliveryFailed as error:
        logger.warning("Posting the header of board %s failed: %s", board.id, error.reason)
        return
    _pin(client, channel_id=board.channel_id, message_id=message_id)


def _post_header(ctx: HandlerContext, board: BoardRecord, *, client: WebClient) -> str:
    """Post the board's header message, store its id, and return it; DeliveryFailed on failure."""
    text, blocks = header_message(board)
    try:
        response = client.chat_postMessage(
            channel=board.channel_id, text=text, blocks=blocks, unfurl_links=False
        )
    except SlackApiError as error:
        reason = str(error.response.get("error", "unknown_error"))
        raise DeliveryFailed(post_failure_hint(reason), reason=post_failure_hint(reason)) from error
    message_id = str(response["ts"])
    boards.record_header(ctx.db, board.id, message_id=message_id)
    return message_id


def _pin(client: WebClient, *, channel_id: str, message_id: str) -> str | None:
    """Pin a message; return None on success, else the reason it could not be pinned."""
    try:
        client.pins_add(channel=channel_id, timestamp=message_id)
    except SlackApiError as error:
        reason = str(error.response.get("error", "unknown_error"))
        if reason == "already_pinned":
            return None
        logger.warning("pins.add failed in %s for %s: %s", channel_id, message_id, reason)
        if reason == "missing_scope":
            return "the bot lacks the pins:write permission, so ask an administrator to add it"
        return post_failure_hint(reason)
    return None


def _channel_info(client: WebClient, channel_id: str) -> dict[str, Any] | None:
    """Return conversations.info's channel, or None for a direct message or an unseen channel."""
    try:
        response = client.conversations_info(channel=channel_id)
    except SlackApiError as error:
        reason = error.response.get("error")
        logger.warning("conversations.info failed for %s: %s", channel_id, reason)
        if reason in {"channel_not_found", "method_not_supported_for_channel_type"}:
            return None
        raise
    channel: dict[str, Any] = response["channel"]
    if channel.get("is_im") or channel.get("is_mpim"):
        return None
    return channel


def _require_active_user(client: WebClient, user_id: str) -> None:
    """Raise InvalidInput unless users.info finds an active person with this id.

    Slackbot, other bot users and deactivated accounts are rejected.
    """
    if user_id == SLACKBOT_USER_ID:
        raise InvalidInput(replies.LEAD_NOT_A_PERSON, field="lead")
    try:
        response = client.users_info(user=user_id)
    except SlackApiError as error:
        reason = error.response.get("error")
        if reason in {"user_not_found", "user_not_visible"}:
            raise InvalidInput(
                f"Slack has no user {user_id}. {replies.LEAD_MENTION_NEEDED}", field="lead"
            ) from None
        raise
    user = response.get("user") or {}
    if user.get("is_bot"):
        raise InvalidInput(replies.LEAD_NOT_A_PERSON, field="lead")
    if user.get("deleted"):
        raise InvalidInput(
            f"<@{user_id}> has left the workspace, so they cannot lead the board. "
            "Name someone else.",
            field="lead",
        )


def _lead_notice(
    board: BoardRecord, dedupe_key: str, *, by_user_id: str, show_question: bool
) -> OutboundMessage:
    return OutboundMessage(
        platform=board.platform,
        recipient=board.lead_id,
        text=replies.board_lead_notice(board, by_user_id=by_user_id, show_question=show_question),
        dedupe_key=dedupe_key,
    )
