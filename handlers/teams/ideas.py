"""Ideas from Teams: the idea form, from a message or the message action, and posting it."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy.orm import Session

from bot.core.checks.explain import PERSONAL_DATA_REASON, describe_findings, speak_up_guidance
from bot.core.checks.text import clean_user_text
from bot.core.delivery import deliver_idea
from bot.core.errors import DeliveryFailed, InvalidInput
from bot.core.events import claim_event
from bot.core.ideas import campaign_for_new_idea, submit_idea, validate_idea_text
from bot.core.records import SubmittedIdea
from handlers.teams.activity import (
    PLATFORM,
    channel_and_thread,
    conversation_kind,
    plain_text,
    sender,
)
from handlers.teams.cards_ideas import IDEA_FIELD_NAMES, idea_form
from handlers.teams.cards_ids import TOGGLE_ON, IdeaInput
from handlers.teams.context import TeamsContext
from handlers.teams.responses import (
    Response,
    card_response,
    notice_response,
    task_card,
    task_message,
    with_action_data,
)

logger = logging.getLogger(__name__)

IDEA_WORDS = ("idea:", "idea")
FORM_TITLE = "Share an idea"


class _Redelivered(Exception):
    """The submission was stored before, from an earlier delivery of the same activity."""


class _FormUsed(Exception):
    """The person posted an idea from this form before, such as with a second press."""


# The key of the form's own id in its Submit action's data.
FORM_KEY = "form"
# The reply to a second idea from one form: a form in a channel stays for everyone to use.
FORM_USED = "You have posted an idea from this form already. To post another, send idea again."


def idea_prefill(text: str) -> str | None:
    """Return the idea typed after "idea:" (or "" for "idea" alone), or None for other text."""
    lowered = text.lower()
    if lowered == "idea" or lowered == "idea:":
        return ""
    if lowered.startswith("idea:"):
        return text[5:].strip()
    if lowered.startswith("idea "):
        return text[5:].strip()
    return None


def form_for(ctx: TeamsContext, activity: dict[str, Any], *, prefill: str = "") -> dict[str, Any]:
    """Return the idea form for the conversation the activity came from."""
    channel = _idea_channel(activity)
    campaign = campaign_for_new_idea(
        ctx.db, platform="teams", channel_id=channel, now=ctx.clock.now()
    )
    card = idea_form(
        topics=campaign.topics if campaign else (),
        allow_anonymous=ctx.anon_key is not None,
        values={IdeaInput.TEXT: prefill} if prefill else None,
    )
    return with_action_data(card, _form_data(channel, uuid.uuid4().hex))


def _form_data(channel: str | None, form_id: str | None) -> dict[str, str]:
    """Return the data a form's Submit action sends back: its channel and its own id."""
    data = {"channel": channel} if channel else {}
    if form_id:
        data[FORM_KEY] = form_id
    return data


def _idea_channel(activity: dict[str, Any]) -> str | None:
    """Return the channel an idea sent from this conversation belongs to, or None."""
    if conversation_kind(activity) != "channel":
        return None
    channel, _root = channel_and_thread(activity)
    return channel


def submit_from_card(ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]) -> Response:
    """Store and post the idea a filled-in form sent; show the form again on a mistake."""
    result = _submit(ctx, activity, data)
    if isinstance(result, dict):
        return card_response(result)
    return notice_response("Idea posted", result)


def submit_from_task(ctx: TeamsContext, activity: dict[str, Any]) -> Response:
    """Store and post the idea sent from the message action's dialog."""
    value = activity.get("value") or {}
    data = dict(value.get("data") or {})
    result = _submit(ctx, activity, data)
    if isinstance(result, dict):
        return task_card(result, title=FORM_TITLE)
    return task_message(result)


def fetch_task(ctx: TeamsContext, activity: dict[str, Any]) -> Response:
    """Open the idea form in a dialog, filled with the message the action was used on."""
    value = activity.get("value") or {}
    payload = value.get("messagePayload") or {}
    body = (payload.get("body") or {}).get("content") or ""
    prefill = plain_text({"text": body})[:280] if body else ""
    return task_card(form_for(ctx, activity, prefill=prefill), title=FORM_TITLE)


def _values(data: dict[str, Any]) -> dict[str, str]:
    return {
        key: str(data[key])
        for key in (IdeaInput.TEXT, IdeaInput.DETAIL, IdeaInput.TOPIC, IdeaInput.ANONYMOUS)
        if data.get(key) is not None
    }


def _submit(
    ctx: TeamsContext, activity: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any] | str:
    """Return the form to show again (a card), or the confirmation text once posted."""
    channel = data.get("channel") or _idea_channel(activity)
    # The id is a uuid4 hex (32 characters), so the event id below fits its column.
    form_id = str(data.get(FORM_KEY) or "")[:32] or None
    values = _values(data)
    text = clean_user_text(values.get(IdeaInput.TEXT, "")).strip()
    detail = clean_user_text(values.get(IdeaInput.DETAIL, "")).strip() or None
    anonymous = values.get(IdeaInput.ANONYMOUS) == TOGGLE_ON
    topic = values.get(IdeaInput.TOPIC)
    campaign = campaign_for_new_idea(
        ctx.db, platform="teams", channel_id=channel, now=ctx.clock.now()
    )

    def again(error: str, field: str | None) -> dict[str, Any]:
        card = idea_form(
            topics=campaign.topics if campaign else (),
            allow_anonymous=ctx.anon_key is not None,
            values=values,
            error=error,
            error_field=IDEA_FIELD_NAMES.get(field or "", field),
        )
        return with_action_data(card, _form_data(channel, form_id))

    if anonymous and ctx.anon_key is None:
        return again("Anonymous posting is off in this organisation.", IdeaInput.ANONYMOUS)
    try:
        validate_idea_text(text, detail=detail)
        topic_id = int(topic) if topic else None
    except InvalidInput as error:
        return again(error.user_message, error.field)
    except ValueError:
        return again("Choose a topic from the list.", IdeaInput.TOPIC)
    if topic_id is None and campaign is not None and len(campaign.topics) > 1:
        # The card has no way to choose a topic after posting, so the form requires one now.
        return again("Choose the question your idea answers.", IdeaInput.TOPIC)
    findings = ctx.checks.scan(text, detail)
    personal = [finding for finding in findings if finding.is_personal_data]
    if personal:
        # Nothing is stored: the author rewrites the idea in the form they still have.
        return again(
            f"Your idea contains {describe_findings(personal)}, so nothing was stored. "
            f"{PERSONAL_DATA_REASON}",
            None,
        )
    author = sender(activity, with_name=not anonymous)
    delivery_id = activity.get("id")

    def claim_delivery(session: Session, _idea_id: int) -> None:
        # Stored with the idea, so a redelivered submission stores nothing twice.
        now = ctx.clock.now()
        if delivery_id and not claim_event(
            session, platform=PLATFORM, event_id=f"idea:{delivery_id}", now=now
        ):
            raise _Redelivered
        # Each person posts one idea from a form, however often they press its button, for
        # as long as event ids are kept (bot.core.events.EVENT_MEMORY).
        if form_id and not claim_event(
            session, platform=PLATFORM, event_id=f"idea-form:{form_id}:{author.user_id}", now=now
        ):
            raise _FormUsed

    try:
        submitted = submit_idea(
            ctx.db,
            author,
            text=text,
            detail=detail,
            anonymous=anonymous,
            channel_id=channel,
            topic_id=topic_id,
            now=ctx.clock.now(),
            min_group_size=ctx.min_group_size,
            anon_key=ctx.anon_key,
            also=claim_delivery if delivery_id or form_id else None,
        )
    except InvalidInput as error:
        return again(error.user_message, error.field)
    except _Redelivered:
        logger.info("Ignored a redelivered idea submission")
        return "Your idea is posted."
    except _FormUsed:
        logger.info("Ignored a second idea from form %s", form_id)
        return FORM_USED
    confirmation = _publish(ctx, submitted)
    if findings:
        confirmation += " " + speak_up_guidance(ctx.checks.speak_up_contact)
    return confirmation


def _publish(ctx: TeamsContext, submitted: SubmittedIdea) -> str:
    idea = submitted.idea
    where = submitted.campaign.title if submitted.campaign else None
    if idea.channel_id is None:
        return f"Your idea is stored as idea {idea.id} on the standing list."
    try:
        deliver_idea(ctx.db, ctx.publisher, idea.id, now=ctx.clock.now())
    except DeliveryFailed as error:
        logger.warning("Idea %s is stored but not posted yet (%s)", idea.id, error.reason)
        return (
            f"Your idea is stored as idea {idea.id}; it will appear in the channel "
            "as soon as Teams accepts it."
        )
    if where:
        return f"Your idea is posted in {where} as idea {idea.id}."
    return f"Your idea is posted as idea {idea.id}."


def message_text(activity: dict[str, Any]) -> str:
    """Return the text of a message to the bot, cleaned."""
    return clean_user_text(plain_text(activity)).strip()
