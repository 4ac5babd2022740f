"""Listeners for /idea and the idea modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.anonymity import ANONYMITY_OFF_MESSAGE
from bot.core.boards import board_in_channel
from bot.core.checks.text import clean_user_text
from bot.core.delivery import deliver_idea
from bot.core.errors import DeliveryFailed, InvalidInput
from bot.core.held_posts import release_held_in
from bot.core.ideas import (
    MAX_IDEA_LENGTH,
    campaign_for_new_idea,
    submit_idea,
    validate_idea_text,
    validate_new_idea_topic,
)
from bot.core.records import Person, SubmittedIdea
from handlers import errors, held_posts, idea_topics, replies
from handlers.blocks.ideas import Blocks, idea_modal
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import IdeaIds, IdeaTopicIds
from handlers.publisher import post_failure_hint

logger = logging.getLogger(__name__)

HELP_WORDS = {"help", "?"}
# "/idea anon TEXT" posts TEXT anonymously. "Anonymous" is not a prefix, because an idea
# such as "Anonymous surveys every quarter" starts with it.
ANONYMOUS_PREFIX = "anon"
# Words that read as a command rather than an idea when they make up the whole
# text, alone or with a number ("/idea delete 3"). Such text is not posted.
COMMAND_WORDS = {
    "list",
    "mine",
    "delete",
    "remove",
    "edit",
    "withdraw",
    "status",
    "anon",
    "anonymous",
}


def register(app: App, ctx: HandlerContext) -> None:
    """Register the /idea command, the idea modal's submission and the topic menu."""
    idea_topics.register(app, ctx)
    held_posts.register(app, ctx)

    @app.command("/idea")
    def handle_idea_command(
        ack: Ack, body: dict[str, Any], command: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            idea_command(ctx, ack=ack, command=command, respond=respond, client=client)

    @app.view(IdeaIds.MODAL_CALLBACK.value)
    def handle_idea_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            idea_submission(ctx, ack=ack, body=body, view=view, client=client)


# The way to a longer idea or a fresh form in Slack, added to the core's message.
COMMAND_HINT = (
    "Send `/idea` alone to open a form with a separate detail box, or type a short idea after "
    "the command, such as `/idea Move the team huddle to 9:15`."
)


def idea_command(
    ctx: HandlerContext, *, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Post the idea typed after /idea, open the idea modal, or show help."""
    text = clean_user_text(command.get("text") or "").strip()
    if not text:
        ack()
        campaign = campaign_for_new_idea(
            ctx.db, platform=PLATFORM, channel_id=command.get("channel_id"), now=ctx.clock.now()
        )
        view = idea_modal(
            channel_id=command["channel_id"],
            topics=campaign.topics if campaign else (),
            allow_anonymous=ctx.anon_key is not None,
        )
        client.views_open(trigger_id=command["trigger_id"], view=view)
        return
    if text.lower() in HELP_WORDS:
        ack(text=replies.IDEA_HELP)
        return
    anonymous = False
    first, _, rest = text.partition(" ")
    if first.lower() == ANONYMOUS_PREFIX and rest.strip():
        if ctx.anon_key is None:
            ack(text=ANONYMITY_OFF_MESSAGE)
            return
        anonymous, text = True, rest.strip()
    command_word = _command_word(text)
    if command_word is not None:
        ack(text=replies.unknown_subcommand(command_word))
        return
    try:
        validate_idea_text(text)
    except InvalidInput as error:
        ack(text=f"{error.user_message} {COMMAND_HINT}")
        return
    # Slack waits 3 seconds for the acknowledgement. It follows the storing, so a bot
    # killed after it has lost nothing, and comes before the idea is posted.
    author = Person(
        platform=PLATFORM,
        team_id=command["team_id"],
        user_id=command["user_id"],
        display_name=None
        if anonymous
        else ctx.names.get(command["user_id"], fallback=command.get("user_name")),
    )
    draft = {"text": text, "anonymous": anonymous, "channel_id": command.get("channel_id")}
    held = held_posts.hold_idea_if_flagged(ctx, author, payload=draft)
    if held is not None:
        ack()
        respond(text=held[0], blocks=held[1], response_type="ephemeral")
        return
    submitted = submit_idea(
        ctx.db,
        author,
        text=text,
        anonymous=anonymous,
        channel_id=command.get("channel_id"),
        now=ctx.clock.now(),
        min_group_size=ctx.min_group_size,
        anon_key=ctx.anon_key,
    )
    ack()
    reply, blocks = idea_topics.reply_with_topic_choice(
        submitted,
        publish_and_describe(ctx, submitted, channel_id=command.get("channel_id")),
        anonymity_on=ctx.anon_key is not None,
    )
    if blocks is None:
        respond(text=reply, response_type="ephemeral")
    else:
        respond(text=reply, blocks=blocks, response_type="ephemeral")


def idea_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Store and post an idea sent from the modal; invalid input is shown inline."""
    values = view["state"]["values"]
    text = clean_user_text(_input_value(values, IdeaIds.TEXT_BLOCK, IdeaIds.TEXT_ACTION) or "")
    detail = _input_value(values, IdeaIds.DETAIL_BLOCK, IdeaIds.DETAIL_ACTION)
    detail = clean_user_text(detail) if detail is not None else None
    selected = (
        values.get(IdeaIds.ANONYMOUS_BLOCK, {})
        .get(IdeaIds.ANONYMOUS_ACTION, {})
        .get("selected_options")
        or []
    )
    anonymous = any(option.get("value") == IdeaIds.ANONYMOUS_OPTION for option in selected)
    if anonymous and ctx.anon_key is None:
        # A form opened before anonymous posting was turned off still has the box.
        ack(response_action="errors", errors={IdeaIds.ANONYMOUS_BLOCK.value: ANONYMITY_OFF_MESSAGE})
        return
    channel_id, held_id = held_posts.read_modal_metadata(view.get("private_metadata"))
    topic_value = _selected_value(values, IdeaTopicIds.MODAL_BLOCK, IdeaTopicIds.MODAL_ACTION)
    topic_id = int(topic_value) if isinstance(topic_value, str) and topic_value.isdigit() else None
    if topic_value is not None and topic_id is None:
        logger.warning("Idea modal with an unreadable topic value %r", topic_value)
        ack(
            response_action="errors",
            errors={
                IdeaTopicIds.MODAL_BLOCK.value: (
                    "This topic is invalid. Choose a topic from the menu again."
                )
            },
        )
        return
    try:
        validate_idea_text(text, detail=detail)
        validate_new_idea_topic(
            ctx.db,
            platform=PLATFORM,
            channel_id=channel_id,
            topic_id=topic_id,
            now=ctx.clock.now(),
        )
    except InvalidInput as error:
        if error.field == "detail":
            errors = {IdeaIds.DETAIL_BLOCK.value: error.user_message}
        elif error.field == "topic":
            errors = {IdeaTopicIds.MODAL_BLOCK.value: error.user_message}
        elif not text.strip():
            errors = {IdeaIds.TEXT_BLOCK.value: "Your idea is empty: write it here before posting."}
        else:
            errors = {
                IdeaIds.TEXT_BLOCK.value: f"Your idea has {len(text.strip())} characters; the "
                f"maximum is {MAX_IDEA_LENGTH}. Move the rest into Detail."
            }
        ack(response_action="errors", errors=errors)
        return
    ack()
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    author = Person(
        platform=PLATFORM,
        team_id=team_id,
        user_id=user["id"],
        display_name=None if anonymous else ctx.names.get(user["id"], fallback=user.get("name")),
    )
    draft = {
        "text": text.strip(),
        "detail": detail,
        "anonymous": anonymous,
        "channel_id": channel_id,
        "topic_id": topic_id,
    }
    held = held_posts.hold_idea_if_flagged(ctx, author, payload=draft)
    if held is not None:
        held_posts.replace_held_draft(ctx, author, held_id=held_id)
        _tell_privately(
            client, user_id=user["id"], channel_id=channel_id, text=held[0], blocks=held[1]
        )
        return
    # A topic that stopped belonging to the campaign since the check above raises
    # InvalidInput here, after the acknowledgement; errors.reported tells the author.
    # A form opened from a held draft replaces it in the idea's own transaction, so a
    # second submission, or one naming another person's draft, stores nothing.
    now = ctx.clock.now()
    submitted = submit_idea(
        ctx.db,
        author,
        text=text,
        detail=detail,
        anonymous=anonymous,
        channel_id=channel_id,
        topic_id=topic_id,
        now=now,
        min_group_size=ctx.min_group_size,
        anon_key=ctx.anon_key,
        also=None
        if held_id is None
        else lambda session, _idea_id: release_held_in(session, author, held_id=held_id, now=now),
    )
    reply, blocks = idea_topics.reply_with_topic_choice(
        submitted,
        publish_and_describe(ctx, submitted, channel_id=channel_id),
        anonymity_on=ctx.anon_key is not None,
    )
    _tell_privately(client, user_id=user["id"], channel_id=channel_id, text=reply, blocks=blocks)


def publish_and_describe(
    ctx: HandlerContext, submitted: SubmittedIdea, *, channel_id: str | None
) -> str:
    """Post a stored idea where it belongs and return the reply for its author.

    channel_id is where the author sent the idea. When that channel's board is
    closed, the reply says so before saying where the idea went instead.
    """
    return _closed_board_notice(ctx, submitted, channel_id=channel_id) + _publish(ctx, submitted)


def _closed_board_notice(
    ctx: HandlerContext, submitted: SubmittedIdea, *, channel_id: str | None
) -> str:
    """Return the notice that the sending channel's board is closed, or "" when it is not."""
    if channel_id is None or submitted.board is not None:
        return ""
    if submitted.campaign is not None and submitted.campaign.channel_id == channel_id:
        # The campaign run in this channel takes its ideas, whatever state its board is in.
        return ""
    board = board_in_channel(ctx.db, platform=PLATFORM, channel_id=channel_id)
    if board is None or board.is_open:
        return ""
    return replies.closed_board_notice(board)


def _publish(ctx: HandlerContext, submitted: SubmittedIdea) -> str:
    if submitted.campaign is None and submitted.board is None:
        return replies.idea_in_standing_list(submitted)
    try:
        message_id = deliver_idea(ctx.db, ctx.publisher, submitted.idea.id, now=ctx.clock.now())
    except DeliveryFailed as error:
        logger.warning("Idea %s stored but not posted: %s", submitted.idea.id, error.reason)
        return replies.idea_saved_not_posted(submitted, hint=post_failure_hint(error.reason))
    permalink = None
    if message_id is not None and submitted.idea.channel_id is not None:
        permalink = ctx.publisher.permalink(
            channel=submitted.idea.channel_id, message_id=message_id
        )
    return replies.idea_posted(submitted, permalink=permalink)


def _command_word(text: str) -> str | None:
    words = text.lower().split()
    if words[0] not in COMMAND_WORDS or len(words) > 2:
        return None
    if len(words) == 2 and not words[1].lstrip("#").isdigit():
        return None
    return words[0]


def _input_value(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    value = values.get(block_id, {}).get(action_id, {}).get("value")
    return value if isinstance(value, str) else None


def _selected_value(values: dict[str, Any], block_id: str, action_id: str) -> str | None:
    """Return the value of a menu's selected option, or None when nothing is selected."""
    option = values.get(block_id, {}).get(action_id, {}).get("selected_option") or {}
    value = option.get("value")
    return value if isinstance(value, str) else None


def _tell_privately(
    client: WebClient,
    *,
    user_id: str,
    channel_id: str | None,
    text: str,
    blocks: Blocks | None = None,
) -> None:
    """Send an ephemeral message in the channel, or a direct message where that fails."""
    if channel_id:
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text, blocks=blocks)
            return
        except SlackApiError as error:
            logger.info(
                "Ephemeral reply in %s failed (%s); sending a direct message",
                channel_id,
                error.response.get("error"),
            )
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
