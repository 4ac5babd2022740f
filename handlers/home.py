"""Listeners of the App Home tab: publishing it when opened, and setting idea statuses from it.

The moderation buttons on a manager's Home tab are those of the moderation
queue, handled in handlers.moderation, which republishes the Home tab with
publish_home after an action taken there.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import home, statuses
from bot.core.moderation import ItemRef, ModeratedItem
from bot.core.records import Person
from handlers import errors
from handlers import statuses as status_handlers
from handlers.blocks.home import Blocks, home_view, notice_blocks
from handlers.blocks.statuses import MENU_OUT_OF_DATE, parse_menu_value, status_modal
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import HomeIds

logger = logging.getLogger(__name__)


def register(app: App, ctx: HandlerContext) -> None:
    """Register the app_home_opened listener and the Home tab's status menu and modal."""

    @app.event("app_home_opened")
    def handle_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        home_opened(ctx, event=event, body=body, client=client)

    @app.action(HomeIds.STATUS_MENU_ACTION.value)
    def handle_home_status_menu(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            home_status_choice(ctx, body=body, client=client)

    @app.view(HomeIds.STATUS_CALLBACK.value)
    def handle_home_status_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            status_handlers.status_submission(ctx, ack=ack, body=body, view=view, client=client)
            # The modal may have been sent back with an error, and then the Home tab
            # is republished unchanged, which costs one call and shows the same data.
            publish_home(ctx, client, action_person(body))


def action_person(body: dict[str, Any]) -> Person:
    """Return the person who pressed a button or submitted a modal."""
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    return Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])


def is_home_action(body: dict[str, Any]) -> bool:
    """Return whether an interaction came from a block on the Home tab."""
    return (body.get("view") or {}).get("type") == "home"


def home_opened(
    ctx: HandlerContext, *, event: dict[str, Any], body: dict[str, Any], client: WebClient
) -> None:
    """Publish the Home tab of the person who opened it, and nothing for the Messages tab."""
    if event.get("tab") != "home":
        return
    user_id = event.get("user")
    if not isinstance(user_id, str) or not user_id:
        logger.warning("app_home_opened event %s without a user", body.get("event_id"))
        return
    team_id = str(body.get("team_id") or event.get("view", {}).get("team_id") or "")
    publish_home(ctx, client, Person(platform=PLATFORM, team_id=team_id, user_id=user_id))


def publish_home(
    ctx: HandlerContext, client: WebClient, person: Person, *, notice: Blocks | None = None
) -> None:
    """Read the person's Home tab, build it and publish it with views.publish.

    notice is shown first, such as the confirmation of an action taken on the
    tab. A failed views.publish is logged, because the tab has no other place
    to show it.
    """
    content = home.home_content(
        ctx.db,
        person,
        anon_key=ctx.anon_key,
        timezone=ctx.timezone,
        now=ctx.clock.now(),
        min_group_size=ctx.min_group_size,
    )
    links: dict[ItemRef, str | None] = {}
    if content.moderation is not None:
        # One chat.getPermalink per item, at most bot.core.home.QUEUE_LIMIT of them.
        links = {entry.item.ref: _link(ctx, entry.item) for entry in content.moderation.entries}
    view = home_view(content, timezone=ctx.timezone, links=links, notice=notice)
    try:
        client.views_publish(user_id=person.user_id, view=view)
    except SlackApiError as error:
        logger.warning(
            "views.publish failed for user %s: %s", person.user_id, error.response.get("error")
        )
        return
    logger.info("Home tab published for user %s (%s blocks)", person.user_id, len(view["blocks"]))


def _link(ctx: HandlerContext, item: ModeratedItem) -> str | None:
    if item.channel_id is None or item.message_id is None:
        return None
    return ctx.publisher.permalink(channel=item.channel_id, message_id=item.message_id)


def home_status_choice(ctx: HandlerContext, *, body: dict[str, Any], client: WebClient) -> None:
    """Open the status modal for a choice in the Home tab's status menu.

    check_can_answer raises PermissionDenied, InvalidInput or NotFound when the
    person may not answer the idea. errors.reported tells them by direct
    message, because the Home tab has no response URL, and nothing changes.
    """
    action = body["actions"][0]
    value = str((action.get("selected_option") or {}).get("value", ""))
    parsed = parse_menu_value(value)
    person = action_person(body)
    if parsed is None or parsed[1] not in statuses.STATUS_LABELS:
        logger.warning("Home tab status menu with an unreadable value %r", value)
        publish_home(ctx, client, person, notice=notice_blocks(MENU_OUT_OF_DATE))
        return
    idea_id, status = parsed
    idea = statuses.check_can_answer(ctx.db, person, idea_id=idea_id)
    view = status_modal(idea, status=status)
    # The same modal under the Home tab's callback id, whose listener republishes the tab.
    view["callback_id"] = HomeIds.STATUS_CALLBACK.value
    client.views_open(trigger_id=body["trigger_id"], view=view)
