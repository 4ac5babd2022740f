"""Listeners of `/campaign yousaid ID`: the private preview, its Post button, the monthly switch."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core import yousaid
from bot.core.records import Person
from handlers import errors
from handlers.blocks import yousaid as views
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import YouSaidIds

logger = logging.getLogger(__name__)

USAGE = (
    "Give a campaign ID: `/campaign yousaid ID` previews an update to post, and "
    "`/campaign yousaid ID monthly on` or `off` turns the monthly update on or off."
)
AFTER_ID_HELP = (
    "After the campaign ID, write `monthly on` or `monthly off`, or nothing to preview an update."
)


@dataclass(frozen=True)
class YouSaidRequest:
    """A parsed `/campaign yousaid`: a preview when monthly is None, else the monthly switch."""

    campaign_id: int
    monthly: bool | None


def parse_arguments(arguments: list[str]) -> YouSaidRequest | str:
    """Parse the words after `yousaid`, or return a reply that explains what is wrong."""
    if not arguments:
        return USAGE
    if not arguments[0].isdecimal():
        return (
            f"{arguments[0]!r} is not a campaign ID: give a whole number, as `/campaign list` "
            "shows, such as `/campaign yousaid 12`."
        )
    campaign_id = int(arguments[0])
    settings = [word.lower() for word in arguments[1:]]
    if not settings:
        return YouSaidRequest(campaign_id=campaign_id, monthly=None)
    if len(settings) == 2 and settings[0] == "monthly" and settings[1] in ("on", "off"):
        return YouSaidRequest(campaign_id=campaign_id, monthly=settings[1] == "on")
    return AFTER_ID_HELP


def register(app: App, ctx: HandlerContext) -> None:
    """Register the Post button of the preview."""

    @app.action(YouSaidIds.POST_ACTION.value)
    def handle_yousaid_post(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            post_button(ctx, body=body, respond=respond)


def yousaid_command(
    ctx: HandlerContext, *, ack: Ack, manager: Person, arguments: list[str]
) -> None:
    """Reply privately with the preview of an update, or set the monthly update.

    The caller has checked the manager role. NotFound and InvalidInput from the
    core reach errors.reported, which replies with their message.
    """
    request = parse_arguments(arguments)
    if isinstance(request, str):
        ack(text=request)
        return
    campaign_id = request.campaign_id
    if request.monthly is not None:
        setting = yousaid.set_monthly_updates(
            ctx.db, manager, campaign_id, enabled=request.monthly, now=ctx.clock.now()
        )
        ack(text=views.monthly_reply(setting, timezone=ctx.timezone))
        return
    draft = yousaid.preview_update(ctx.db, campaign_id)
    if draft.idea_count == 0:
        ack(text=views.nothing_new(draft, timezone=ctx.timezone))
        return
    # The token makes the button's request key, so a second press of this
    # preview's button posts nothing more.
    text, blocks = views.preview(draft, token=uuid.uuid4().hex, timezone=ctx.timezone)
    ack(text=text, blocks=blocks)


def _button_request(body: dict[str, Any]) -> tuple[int, str] | None:
    value = body["actions"][0].get("value", "")
    try:
        parsed = json.loads(value)
        return int(parsed["campaign"]), str(parsed["token"])
    except (ValueError, TypeError, KeyError):
        logger.warning("Update Post button with an unreadable value %r", value)
        return None


def post_button(ctx: HandlerContext, *, body: dict[str, Any], respond: Respond) -> None:
    """Post the previewed update and replace the preview with the outcome."""
    request = _button_request(body)
    if request is None:
        respond(text=views.stale_button(), response_type="ephemeral", replace_original=False)
        return
    campaign_id, token = request
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    manager = Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])
    result = yousaid.post_update(
        ctx.db,
        ctx.platforms,
        campaign_id,
        by=manager,
        now=ctx.clock.now(),
        claim_key=yousaid.request_key(token),
    )
    if result.outcome is yousaid.PostOutcome.POSTED:
        assert result.draft is not None
        text = views.posted(result.draft)
    elif result.outcome is yousaid.PostOutcome.NOTHING_NEW:
        assert result.draft is not None
        text = views.nothing_new(result.draft, timezone=ctx.timezone)
    else:
        text = views.already_posted(result.campaign)
    respond(text=text, response_type="ephemeral", replace_original=True)
