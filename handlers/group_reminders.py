"""Listeners of `/campaign remind ID`: the form, its preview, and sending the reminder."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core import campaigns, group_reminders, roles
from bot.core.errors import InvalidInput
from bot.core.outbox import OutboundMessage
from bot.core.participation_records import DIMENSIONS
from bot.core.records import CampaignRecord, Person
from handlers import errors
from handlers.blocks import group_reminder as views
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import GroupReminderIds

logger = logging.getLogger(__name__)

# Slack's limit on a view's private_metadata, which carries the request to the Send step.
MAX_PRIVATE_METADATA = 3000


class SlackGroupReminderNotifier:
    """Builds the reminder's direct messages in Block Kit; it makes no Slack call."""

    def __init__(self, *, timezone: ZoneInfo) -> None:
        self._timezone = timezone

    def group_reminder_messages(
        self, campaign: CampaignRecord, *, note: str | None, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the same message for each recipient user id in dedupe_keys."""
        text, blocks = views.staff_message(campaign, note=note, timezone=self._timezone)
        return [
            OutboundMessage(
                platform=PLATFORM, recipient=user_id, text=text, dedupe_key=key, blocks=blocks
            )
            for user_id, key in dedupe_keys.items()
        ]


def register(app: App, ctx: HandlerContext) -> None:
    """Register the reminder form's two submissions: preview and send."""

    @app.view(GroupReminderIds.COMPOSE_CALLBACK.value)
    def handle_reminder_preview(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            preview_submission(ctx, ack=ack, body=body, view=view)

    @app.view(GroupReminderIds.CONFIRM_CALLBACK.value)
    def handle_reminder_send(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            send_submission(ctx, ack=ack, body=body, view=view)


def open_form(
    ctx: HandlerContext, *, ack: Ack, campaign_id: int, trigger_id: str, client: WebClient
) -> None:
    """Open the reminder form of an open campaign; the caller has checked the manager role.

    Raises InvalidInput or NotFound, for errors.reported to reply with, when
    the campaign is not open or does not exist.
    """
    groups = group_reminders.reminder_groups(ctx.db, campaign_id, min_group_size=ctx.min_group_size)
    if not any(groups.values()):
        ack(
            text=f"No group on the staff list has {ctx.min_group_size} or more people, so "
            "there is no group to remind. Load the staff list with `staffvoice staff import`."
        )
        return
    ack()
    campaign = campaigns.get_campaign(ctx.db, campaign_id)
    client.views_open(
        trigger_id=trigger_id,
        view=views.compose_modal(campaign, groups=groups, min_group_size=ctx.min_group_size),
    )


def _manager(ctx: HandlerContext, body: dict[str, Any]) -> Person:
    user = body["user"]
    manager = Person(platform=PLATFORM, team_id=user.get("team_id", ""), user_id=user["id"])
    # The role is checked again because it may have been revoked while the form was open.
    roles.require_manager(ctx.db, manager, action="send reminders")
    return manager


def preview_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Check the chosen groups and replace the form with the number of people it reaches."""
    manager = _manager(ctx, body)
    campaign_id = int(view["private_metadata"])
    values = view["state"]["values"]
    groups = group_reminders.reminder_groups(ctx.db, campaign_id, min_group_size=ctx.min_group_size)
    chosen: dict[str, list[str]] = {}
    for dimension in DIMENSIONS:
        block_id = views.groups_block_id(dimension)
        selected = (
            values.get(block_id, {}).get(GroupReminderIds.GROUPS_ACTION.value, {}) or {}
        ).get("selected_options") or []
        if selected:
            by_value = {views.group_value(group.name): group.name for group in groups[dimension]}
            chosen[dimension] = [
                by_value[option["value"]] for option in selected if option["value"] in by_value
            ]
    first_block = next(
        (views.groups_block_id(dimension) for dimension in DIMENSIONS if groups[dimension]),
        GroupReminderIds.NOTE_BLOCK.value,
    )
    if len(chosen) != 1:
        message = "Choose groups from one list only." if chosen else "Choose at least one group."
        blocks = [views.groups_block_id(dimension) for dimension in chosen] or [first_block]
        ack(response_action="errors", errors={block: message for block in blocks})
        return
    [(dimension, names)] = chosen.items()
    note = (
        values.get(GroupReminderIds.NOTE_BLOCK.value, {})
        .get(GroupReminderIds.NOTE_ACTION.value, {})
        .get("value")
        or ""
    ).strip() or None
    request = group_reminders.ReminderRequest(
        campaign_id=campaign_id, dimension=dimension, groups=tuple(names), note=note
    )
    try:
        recipients = group_reminders.count_recipients(
            ctx.db, request, platform=manager.platform, min_group_size=ctx.min_group_size
        )
    except InvalidInput as error:
        block = (
            GroupReminderIds.NOTE_BLOCK.value
            if error.field == "note"
            else views.groups_block_id(dimension)
        )
        ack(response_action="errors", errors={block: error.user_message})
        return
    metadata = json.dumps(
        {
            "campaign": campaign_id,
            "dimension": dimension,
            "groups": names,
            "note": note,
            "key": uuid.uuid4().hex,
        },
        ensure_ascii=False,
    )
    if len(metadata) > MAX_PRIVATE_METADATA:
        ack(
            response_action="errors",
            errors={views.groups_block_id(dimension): "Choose fewer groups for one reminder."},
        )
        return
    ack(
        response_action="update",
        view=views.confirm_view(recipients=recipients, groups=names, metadata=metadata),
    )


def send_submission(
    ctx: HandlerContext, *, ack: Ack, body: dict[str, Any], view: dict[str, Any]
) -> None:
    """Store the reminder, enqueue its messages and show how many people it went to."""
    manager = _manager(ctx, body)
    chosen = json.loads(view["private_metadata"])
    request = group_reminders.ReminderRequest(
        campaign_id=int(chosen["campaign"]),
        dimension=str(chosen["dimension"]),
        groups=tuple(str(name) for name in chosen["groups"]),
        note=chosen.get("note"),
        request_key=chosen.get("key"),
    )
    try:
        sent = group_reminders.send_group_reminder(
            ctx.db,
            SlackGroupReminderNotifier(timezone=ctx.timezone),
            request,
            by=manager,
            now=ctx.clock.now(),
            min_group_size=ctx.min_group_size,
        )
    except InvalidInput as error:
        ack(response_action="update", view=views.notice_view(error.user_message))
        return
    ack(response_action="update", view=views.notice_view(views.sent_text(sent.recipients)))
