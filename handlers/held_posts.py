"""Listeners and helpers for posts held back by the personal-data and concern checks."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.core.checks.explain import PERSONAL_DATA_REASON, describe_findings, speak_up_guidance
from bot.core.checks.findings import Finding
from bot.core.errors import NotFound
from bot.core.held_posts import (
    COMMENT,
    IDEA,
    HeldDraft,
    find_comment_id,
    find_held_draft,
    flag_overridden,
    get_held_post,
    hold_post,
    post_held_idea,
    take_held_post,
)
from bot.core.ideas import campaign_for_new_idea
from bot.core.records import Person
from handlers import errors
from handlers.blocks.held_posts import HeldPostIds, held_post_blocks, prefill_idea_modal
from handlers.blocks.ideas import Blocks, idea_modal
from handlers.context import PLATFORM, HandlerContext
from handlers.mrkdwn import escape

logger = logging.getLogger(__name__)

WITHDRAWN = "Your draft was withdrawn and deleted. Nothing was posted or passed on."
EDITING = (
    "Your draft is open in a form. Posting it from there replaces this draft; "
    "if you cancel the form, this draft is kept until it expires."
)


def register(app: App, ctx: HandlerContext) -> None:
    """Register the Edit, Post anyway and Withdraw buttons of a held post."""

    @app.action(HeldPostIds.EDIT_ACTION.value)
    def handle_held_post_edit(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            edit_held_post(ctx, body=body, respond=respond, client=client)

    @app.action(HeldPostIds.POST_ACTION.value)
    def handle_held_post_post(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            post_anyway(ctx, body=body, respond=respond)

    @app.action(HeldPostIds.WITHDRAW_ACTION.value)
    def handle_held_post_withdraw(
        ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            take_held_post(ctx.db, _presser(body), held_id=_held_id(body), now=ctx.clock.now())
            respond(text=WITHDRAWN, replace_original=True)


def hold_idea_if_flagged(
    ctx: HandlerContext, author: Person, *, payload: dict[str, Any]
) -> tuple[str, Blocks] | None:
    """Hold an idea draft when the checks find something; return the author's message then.

    Returns None when the draft is clean and may be stored and posted as usual.
    """
    findings = ctx.checks.scan(payload.get("text"), payload.get("detail"))
    if not findings:
        return None
    draft = hold_post(
        ctx.db, author, kind=IDEA, payload=payload, findings=findings, now=ctx.clock.now()
    )
    return held_post_blocks(draft, contact=ctx.checks.speak_up_contact)


def edit_held_post(
    ctx: HandlerContext, *, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Open the idea form filled in with the held draft, which stays held until replaced."""
    draft = get_held_post(ctx.db, _presser(body), held_id=_held_id(body), now=ctx.clock.now())
    channel_id = draft.payload.get("channel_id") or ""
    campaign = campaign_for_new_idea(
        ctx.db, platform=PLATFORM, channel_id=channel_id or None, now=ctx.clock.now()
    )
    view = idea_modal(
        channel_id=channel_id,
        topics=campaign.topics if campaign else (),
        allow_anonymous=ctx.anon_key is not None,
    )
    view = prefill_idea_modal(view, draft)
    view["private_metadata"] = json.dumps({"channel_id": channel_id, "held_id": draft.id})
    client.views_open(trigger_id=body["trigger_id"], view=view)
    respond(text=EDITING, replace_original=False)


def post_anyway(ctx: HandlerContext, *, body: dict[str, Any], respond: Respond) -> None:
    """Store and post a held idea as its author chose, flagged for the managers."""
    # Imported here because handlers.ideas imports this module for the held-post check.
    from handlers.ideas import publish_and_describe

    presser = _presser(body)
    author = Person(
        platform=presser.platform,
        team_id=presser.team_id,
        user_id=presser.user_id,
        display_name=ctx.names.get(presser.user_id, fallback=body["user"].get("name")),
    )
    submitted = post_held_idea(
        ctx.db,
        author,
        held_id=_held_id(body),
        now=ctx.clock.now(),
        min_group_size=ctx.min_group_size,
        anon_key=ctx.anon_key,
    )
    channel_id = submitted.idea.channel_id
    reply = publish_and_describe(ctx, submitted, channel_id=channel_id)
    respond(text=reply + " Managers will see it flagged for review.", replace_original=True)


def read_modal_metadata(raw: str | None) -> tuple[str | None, int | None]:
    """Return the channel and the held draft an idea form was opened for.

    A form opened by /idea stores the channel id alone; one opened by a held
    draft's Edit button stores JSON with both.
    """
    if not raw:
        return None, None
    if not raw.startswith("{"):
        return raw, None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        logger.warning("Idea form with unreadable metadata")
        return None, None
    channel_id = data.get("channel_id") if isinstance(data.get("channel_id"), str) else None
    held_id = data.get("held_id") if isinstance(data.get("held_id"), int) else None
    return channel_id or None, held_id


def replace_held_draft(ctx: HandlerContext, author: Person, *, held_id: int | None) -> None:
    """Delete the draft an edited idea replaces, when the form came from one."""
    if held_id is None:
        return
    try:
        take_held_post(ctx.db, author, held_id=held_id, now=ctx.clock.now())
    except NotFound:
        logger.info("Held draft %s was decided or expired before its edit was sent", held_id)


def thread_reply_author_message(findings: tuple[Finding, ...], *, idea_id: int) -> str:
    """Return the direct message asking the author of a thread reply to delete it."""
    return (
        f"Your reply in the thread of idea {idea_id} contains {describe_findings(findings)}. "
        "The bot cannot delete your message, so please delete it now: hover over the reply, "
        "click ⋮ (More actions), choose Delete message and confirm. "
        f"{PERSONAL_DATA_REASON} The managers have been told so they can check it is removed."
    )


def thread_reply_manager_message(findings: tuple[Finding, ...], *, idea_id: int) -> str:
    """Return the direct message telling a manager about a thread reply with personal data."""
    return (
        f"A thread reply on idea {idea_id} contains {describe_findings(findings)}. The bot "
        "cannot delete it and has asked its author to. If it is still there, a workspace admin "
        "can delete it. It is in the moderation queue and left out of counts."
    )


def concern_note(findings: tuple[Finding, ...], *, contact: str | None) -> str:
    """Return the private note to the author of a thread reply that reads like a concern."""
    return escape(
        f"Your reply reads like {describe_findings(findings)}. " + speak_up_guidance(contact)
    )


def _presser(body: dict[str, Any]) -> Person:
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    return Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])


def _held_id(body: dict[str, Any]) -> int:
    value = (body.get("actions") or [{}])[0].get("value", "")
    if not str(value).isdigit():
        raise NotFound("This button no longer refers to a draft. Send your idea again.")
    return int(value)


def held_comment_error(findings: tuple[Finding, ...], *, contact: str | None) -> str:
    """Return the form error for an anonymous comment the checks stopped, with its choices."""
    personal = tuple(finding for finding in findings if finding.is_personal_data)
    concerns = tuple(finding for finding in findings if not finding.is_personal_data)
    parts = []
    if personal:
        parts.append(f"This contains {describe_findings(personal)}. {PERSONAL_DATA_REASON}")
    if concerns:
        parts.append(f"This reads like {describe_findings(concerns)}. {speak_up_guidance(contact)}")
    parts.append(
        "To post it anyway, press Post again without changes, and managers will see it "
        "flagged. To withdraw it, close the form."
    )
    return " ".join(parts)


@dataclass(frozen=True)
class CommentCheck:
    """The outcome of the checks on an anonymous comment from the form."""

    # The form error to show, or None when the comment may be posted.
    error: str | None = None
    # The held draft the author sent again unchanged, so it is posted past the checks.
    posted_anyway: HeldDraft | None = None


def check_comment(ctx: HandlerContext, author: Person, *, idea_id: int, text: str) -> CommentCheck:
    """Run the checks on an anonymous comment, holding it the first time they find something.

    The form has no buttons, so sending the same text again posts it anyway;
    closing the form withdraws it, and the draft expires.
    """
    findings = ctx.checks.scan(text)
    if not findings:
        return CommentCheck()
    now = ctx.clock.now()
    draft = {"idea_id": idea_id, "text": text}
    previous = find_held_draft(ctx.db, author, kind=COMMENT, payload=draft, now=now)
    if previous is None:
        hold_post(ctx.db, author, kind=COMMENT, payload=draft, findings=findings, now=now)
        return CommentCheck(error=held_comment_error(findings, contact=ctx.checks.speak_up_contact))
    take_held_post(ctx.db, author, held_id=previous.id, now=now)
    return CommentCheck(posted_anyway=previous)


def flag_comment(ctx: HandlerContext, draft: HeldDraft, *, idea_id: int, message_id: str) -> None:
    """Flag the comment posted from a held draft for the managers' moderation queue."""
    comment_id = find_comment_id(ctx.db, idea_id=idea_id, message_id=message_id)
    if comment_id is None:
        logger.warning("Comment %s on idea %s posted anyway was not stored", message_id, idea_id)
        return
    flag_overridden(
        ctx.db, item_kind=COMMENT, item_id=comment_id, findings=draft.findings, now=ctx.clock.now()
    )
