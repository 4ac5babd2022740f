"""Listeners for anonymous comments and the author's own list of anonymous posts.

A person comments anonymously through the "Comment anonymously" message shortcut
on an idea message; the bot posts the comment in the idea's thread. A direct
message to the bot saying "my posts" lists the sender's anonymous ideas and
comments with Withdraw buttons. Logs carry ids only, never who asked.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.anonymity import ANONYMITY_OFF_MESSAGE
from bot.core.errors import InvalidInput, NotFound
from bot.core.own_posts import (
    CommentTarget,
    WithdrawnComment,
    WithdrawnIdea,
    add_anonymous_comment,
    comment_target,
    list_own_posts,
    validate_comment_text,
    withdraw_comment,
    withdraw_idea,
)
from bot.core.records import Person
from handlers import errors, held_posts
from handlers.blocks.ideas import WITHDRAWN_IDEA_NOTICE
from handlers.blocks.own_posts import (
    WITHDRAWN_COMMENT_NOTICE,
    anonymous_comment_message,
    comment_modal,
    own_posts_message,
    withdrawn_message,
)
from handlers.context import PLATFORM, HandlerContext
from handlers.held_posts import CommentCheck
from handlers.ids import OwnPostIds
from handlers.lookup import find_idea_for_message

logger = logging.getLogger(__name__)

LIST_WORDS = {"my posts", "posts", "mine", "list"}
COMMENT_WORD = "comment"
COMMENT_USAGE = (
    'To comment anonymously, send "comment", the idea\'s number and your comment, such as '
    '"comment 12 Weekends too". The number is on the idea message.'
)
DIRECT_MESSAGE_HELP = (
    'Send "my posts" to list the ideas and comments you posted anonymously, with a '
    'button to withdraw each. To comment anonymously on an idea, send "comment", the '
    'idea\'s number and your comment (such as "comment 12 Weekends too"), or open the idea '
    "message's ⋮ menu and choose Comment anonymously."
)
NOT_AN_IDEA = (
    "That message is not an idea the bot posted, so it cannot take an anonymous comment. "
    "Use Comment anonymously on an idea message in the campaign's channel."
)


def is_direct_message(event: dict[str, Any]) -> bool:
    """Return whether a message event is a new message from a person in a direct message."""
    return (
        event.get("channel_type") == "im"
        and event.get("subtype") is None
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def register(app: App, ctx: HandlerContext) -> None:
    """Register the shortcut, the comment modal, the direct message and the Withdraw buttons.

    Call it before the thread reply listener, so direct messages come here first.
    """

    @app.shortcut(OwnPostIds.COMMENT_SHORTCUT.value)
    def handle_comment_shortcut(
        ack: Ack, body: dict[str, Any], shortcut: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            comment_shortcut(ctx, ack=ack, shortcut=shortcut, client=client)

    @app.view(OwnPostIds.COMMENT_CALLBACK.value)
    def handle_comment_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            comment_submission(ctx, ack=ack, body=body, view=view, client=client)

    @app.event("message", matchers=[lambda event: is_direct_message(event)])
    def handle_direct_message(
        event: dict[str, Any], body: dict[str, Any], client: WebClient
    ) -> None:
        direct_message(ctx, event=event, body=body, client=client)

    @app.action(OwnPostIds.WITHDRAW_IDEA_ACTION.value)
    @app.action(OwnPostIds.WITHDRAW_COMMENT_ACTION.value)
    def handle_withdraw(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            withdraw(ctx, ack=ack, body=body, respond=respond, client=client)


def _person(body: dict[str, Any]) -> Person:
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    return Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])


def comment_shortcut(
    ctx: HandlerContext, *, ack: Ack, shortcut: dict[str, Any], client: WebClient
) -> None:
    """Open the anonymous comment modal for the idea message the shortcut was used on."""
    ack()
    user_id = shortcut["user"]["id"]
    channel_id = (shortcut.get("channel") or {}).get("id", "")
    if ctx.anon_key is None:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=ANONYMITY_OFF_MESSAGE)
        return
    message = shortcut.get("message") or {}
    # Used on a reply in the idea's thread, the shortcut still names the idea.
    message_id = message.get("thread_ts") or message.get("ts") or ""
    idea = find_idea_for_message(
        ctx, channel_id=channel_id, message_id=message_id, posted_by_bot=False
    )
    if idea is None:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=NOT_AN_IDEA)
        return
    client.views_open(trigger_id=shortcut["trigger_id"], view=comment_modal(idea_id=idea.id))


def comment_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Post an anonymous comment in the idea's thread and store it under the author's hash."""
    if ctx.anon_key is None:
        ack(
            response_action="errors", errors={OwnPostIds.COMMENT_BLOCK.value: ANONYMITY_OFF_MESSAGE}
        )
        return
    values = view["state"]["values"]
    raw = values.get(OwnPostIds.COMMENT_BLOCK, {}).get(OwnPostIds.COMMENT_ACTION, {}).get("value")
    metadata = view.get("private_metadata") or ""
    try:
        text = validate_comment_text(raw if isinstance(raw, str) else "")
        if not metadata.isdigit():
            raise InvalidInput("This form is out of date. Close it and use the shortcut again.")
        target = comment_target(ctx.db, idea_id=int(metadata))
    except InvalidInput as error:
        ack(response_action="errors", errors={OwnPostIds.COMMENT_BLOCK.value: error.user_message})
        return
    check = held_posts.check_comment(ctx, _person(body), idea_id=target.idea_id, text=text)
    if check.error is not None:
        ack(response_action="errors", errors={OwnPostIds.COMMENT_BLOCK.value: check.error})
        return
    ack()
    _post_anonymous_comment(
        ctx, _person(body), target=target, text=text, check=check, client=client
    )


def _post_anonymous_comment(
    ctx: HandlerContext,
    person: Person,
    *,
    target: CommentTarget,
    text: str,
    check: CommentCheck,
    client: WebClient,
) -> str:
    """Post a checked anonymous comment in the idea's thread, store it, and return its id."""
    assert ctx.anon_key is not None
    fallback, blocks = anonymous_comment_message(text)
    response = client.chat_postMessage(
        channel=target.channel_id, thread_ts=target.thread_id, text=fallback, blocks=blocks
    )
    message_id = str(response["ts"])
    add_anonymous_comment(
        ctx.db,
        person,
        key=ctx.anon_key,
        idea_id=target.idea_id,
        message_id=message_id,
        text=text,
        now=ctx.clock.now(),
    )
    if check.posted_anyway is not None:
        held_posts.flag_comment(
            ctx, check.posted_anyway, idea_id=target.idea_id, message_id=message_id
        )
    return message_id


def _comment_by_message(
    ctx: HandlerContext, person: Person, *, rest: str, channel: str, client: WebClient
) -> None:
    """Post "comment IDEA_ID TEXT" from a direct message as an anonymous comment."""
    assert ctx.anon_key is not None
    idea_part, _, raw = rest.strip().partition(" ")
    if not idea_part.isdigit():
        client.chat_postMessage(channel=channel, text=COMMENT_USAGE)
        return
    try:
        text = validate_comment_text(raw)
        target = comment_target(ctx.db, idea_id=int(idea_part))
    except (InvalidInput, NotFound) as error:
        client.chat_postMessage(channel=channel, text=error.user_message)
        return
    # A direct message can name an idea the person cannot see, such as one on a private
    # board. So only a member of the idea's channel may comment there.
    if ctx.publisher.is_channel_member(target.channel_id, person.user_id) is not True:
        client.chat_postMessage(
            channel=channel,
            text=f"Idea {target.idea_id} is in a channel you are not a member of, so you "
            "cannot comment on it.",
        )
        return
    check = held_posts.check_comment(ctx, person, idea_id=target.idea_id, text=text)
    if check.error is not None:
        client.chat_postMessage(channel=channel, text=check.error)
        return
    _post_anonymous_comment(ctx, person, target=target, text=text, check=check, client=client)
    client.chat_postMessage(
        channel=channel,
        text=f"Your comment is posted anonymously in the thread of idea {target.idea_id}.",
    )


def direct_message(
    ctx: HandlerContext, *, event: dict[str, Any], body: dict[str, Any], client: WebClient
) -> None:
    """Reply to a direct message: list the sender's anonymous posts, or explain what to send."""
    user_id = event["user"]
    raw = (event.get("text") or "").strip()
    words = " ".join(raw.lower().split())
    first, _, rest = raw.partition(" ")
    is_comment = first.lower() == COMMENT_WORD
    if words not in LIST_WORDS and not is_comment:
        client.chat_postMessage(channel=event["channel"], text=DIRECT_MESSAGE_HELP)
        return
    if ctx.anon_key is None:
        client.chat_postMessage(channel=event["channel"], text=ANONYMITY_OFF_MESSAGE)
        return
    person = Person(platform=PLATFORM, team_id=body.get("team_id", ""), user_id=user_id)
    if is_comment:
        _comment_by_message(ctx, person, rest=rest, channel=event["channel"], client=client)
        return
    text, blocks = own_posts_message(list_own_posts(ctx.db, person, key=ctx.anon_key))
    client.chat_postMessage(channel=event["channel"], text=text, blocks=blocks)


def withdraw(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Withdraw the idea or comment of a pressed Withdraw button and show the list again."""
    ack()
    if ctx.anon_key is None:
        respond(text=ANONYMITY_OFF_MESSAGE, replace_original=False)
        return
    action = body["actions"][0]
    post_id = int(action["value"])
    person = _person(body)
    now = ctx.clock.now()
    withdrawn: WithdrawnIdea | WithdrawnComment | None
    if action["action_id"] == OwnPostIds.WITHDRAW_IDEA_ACTION:
        withdrawn = withdraw_idea(
            ctx.db,
            person,
            key=ctx.anon_key,
            idea_id=post_id,
            now=now,
            min_group_size=ctx.min_group_size,
        )
        notice = WITHDRAWN_IDEA_NOTICE
    else:
        withdrawn = withdraw_comment(ctx.db, person, key=ctx.anon_key, comment_id=post_id, now=now)
        notice = WITHDRAWN_COMMENT_NOTICE
    if withdrawn is not None and withdrawn.channel_id and withdrawn.message_id:
        # A later redraw (vote refresh, campaign close) builds the same notice from the
        # idea's withdrawn_at, so it stays.
        fallback, blocks = withdrawn_message(notice)
        client.chat_update(
            channel=withdrawn.channel_id, ts=withdrawn.message_id, text=fallback, blocks=blocks
        )
    kind = "Idea" if action["action_id"] == OwnPostIds.WITHDRAW_IDEA_ACTION else "Comment"
    done = (
        f"{kind} {post_id} is withdrawn: its text is removed from the database and its message."
        if withdrawn is not None
        else f"{kind} {post_id} was withdrawn already."
    )
    text, blocks = own_posts_message(list_own_posts(ctx.db, person, key=ctx.anon_key))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": done}}, *blocks]
    respond(text=f"{done} {text}", blocks=blocks, replace_original=True)
