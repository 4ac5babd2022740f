"""Listeners for /thanks, the "Thank a colleague" button and the thanks modal."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import roles, thanks
from bot.core.errors import DeliveryFailed, InvalidInput
from bot.core.outbox import OutboundMessage
from bot.core.records import Person
from bot.core.thanks import GivenThanks, ThanksCard
from handlers import errors
from handlers.blocks.thanks import (
    channel_set_text,
    notice_message,
    overview_message,
    thanks_form,
    values_text,
)
from handlers.boards import BARE_CHANNEL_ID, CHANNEL_MENTION, MENTION, SLACKBOT_USER_ID
from handlers.context import PLATFORM, HandlerContext
from handlers.ids import ThanksIds
from handlers.mrkdwn import escape
from handlers.publisher import post_failure_hint

logger = logging.getLogger(__name__)

HELP = (
    "*Thank a colleague*\n"
    "• `/thanks @colleague MESSAGE`: post a thank-you card in the recognition channel and "
    "send each colleague a direct message. Name up to 10 colleagues; add your "
    "organisation's values as hashtags, such as `#compassionate`.\n"
    "• `/thanks`: see the thanks you have received and given, and open the form.\n"
    "• `/thanks values`: list the values you can add as badges.\n"
    "*For engagement managers*\n"
    "• `/thanks channel #channel`: set the channel cards are posted in.\n"
    "• `/thanks values compassionate, open, respectful`: set the values (1 to 12, each up "
    "to 30 characters)."
)
CHANNEL_USAGE = (
    "Name the channel for thank-you cards, picked from the list as you type #, such as "
    "`/thanks channel #recognition`."
)
# The form's errors for no colleague and an empty message, shown beside their fields.
FORM_NO_RECIPIENT = "Pick at least one colleague to thank in this box."
FORM_EMPTY_MESSAGE = (
    "Write in this box what you are thanking them for. Spaces or #values alone are not a message."
)
# A colleague's account is looked up again when the cached one is older than this, so
# an account deactivated a minute ago cannot be thanked. The bot's user_change
# listener also clears the cache of the process that receives the event at once.
ACCOUNT_CHECK_SECONDS = 60.0
# The colleagues named at the start of a message, with words that join them, as in "@Sam and @Jo".
LEADING_MENTIONS = re.compile(r"^(?:\s*(?:<@[UW][A-Z0-9]+(?:\|[^>]*)?>|,|\+|and\b|&amp;))+\s*")


def register(app: App, ctx: HandlerContext) -> None:
    """Register /thanks, the button that opens the thanks form, and the form's submission."""

    @app.command("/thanks")
    def handle_thanks_command(
        ack: Ack,
        body: dict[str, Any],
        command: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            thanks_command(
                ctx,
                ack=ack,
                command=command,
                client=client,
                respond=respond,
                bot_user_id=context.bot_user_id,
            )

    @app.action(ThanksIds.OPEN_ACTION.value)
    def handle_thanks_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            ack()
            open_form(ctx, body=body, client=client)

    @app.view(ThanksIds.MODAL_CALLBACK.value)
    def handle_thanks_submission(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        with errors.reported(ack=ack, body=body, client=client):
            thanks_submission(
                ctx, ack=ack, body=body, view=view, client=client, bot_user_id=context.bot_user_id
            )


def thanks_command(
    ctx: HandlerContext,
    *,
    ack: Ack,
    command: dict[str, Any],
    client: WebClient,
    respond: Respond,
    bot_user_id: str | None,
) -> None:
    """Give thanks, show the caller's thanks, or run a settings subcommand.

    An InvalidInput or PermissionDenied raised here reaches errors.reported,
    which replies privately, and nothing is stored.
    """
    person = Person(platform=PLATFORM, team_id=command["team_id"], user_id=command["user_id"])
    text = (command.get("text") or "").strip()
    words = text.split()
    action = words[0].lower() if words else ""

    if not words:
        ack()
        show_overview(ctx, person=person, respond=respond)
        return
    if action in {"help", "?"} and len(words) == 1:
        ack(text=HELP)
        return
    if action == "values":
        ack()
        rest = text[len(words[0]) :].strip()
        if not rest:
            setup = thanks.recognition_setup(ctx.db, platform=PLATFORM, team_id=person.team_id)
        else:
            try:
                setup = thanks.set_recognition_values(
                    ctx.db, person, values_text=_plain(rest), now=ctx.clock.now()
                ).setup
            except InvalidInput as error:
                # The message quotes the values as typed, so <!channel> must not ping anyone.
                logger.info("Thanks values from %s rejected: %s", person.user_id, error.code)
                respond(text=escape(error.user_message), response_type="ephemeral")
                return
        respond(text=values_text(setup), response_type="ephemeral")
        return
    if action == "channel":
        ack()
        set_channel(ctx, person=person, words=words[1:], client=client, respond=respond)
        return
    # Slack waits 3 seconds for the acknowledgement; users.info lookups and storing follow it.
    ack()
    give_from_command(ctx, person=person, text=text, respond=respond, bot_user_id=bot_user_id)


def show_overview(ctx: HandlerContext, *, person: Person, respond: Respond) -> None:
    """Reply privately with the thanks the person received and gave, and the form's button."""
    overview = thanks.thanks_overview(ctx.db, person)
    setup = thanks.recognition_setup(ctx.db, platform=PLATFORM, team_id=person.team_id)
    text, blocks = overview_message(overview, setup=setup, timezone=ctx.timezone)
    respond(text=text, blocks=blocks, response_type="ephemeral")


def set_channel(
    ctx: HandlerContext, *, person: Person, words: list[str], client: WebClient, respond: Respond
) -> None:
    """Set the recognition channel once the bot is known to be a member (a manager action)."""
    roles.require_manager(ctx.db, person, action="set the recognition channel")
    if len(words) != 1:
        respond(text=CHANNEL_USAGE, response_type="ephemeral")
        return
    match = CHANNEL_MENTION.fullmatch(words[0])
    channel_id = match.group(1) if match else words[0]
    if not BARE_CHANNEL_ID.fullmatch(channel_id):
        respond(text=CHANNEL_USAGE, response_type="ephemeral")
        return
    problem = _membership_problem(client, channel_id)
    if problem is not None:
        respond(text=problem, response_type="ephemeral")
        return
    change = thanks.set_recognition_channel(
        ctx.db, person, channel_id=channel_id, now=ctx.clock.now()
    )
    respond(text=channel_set_text(change.setup, changed=change.changed), response_type="ephemeral")


def _membership_problem(client: WebClient, channel_id: str) -> str | None:
    """Return what stops the bot posting in a channel, or None when it is a member."""
    try:
        response = client.conversations_info(channel=channel_id)
    except SlackApiError as error:
        reason = error.response.get("error")
        logger.warning("conversations.info failed for %s: %s", channel_id, reason)
        if reason in {"channel_not_found", "method_not_supported_for_channel_type"}:
            return (
                f"The bot cannot see <#{channel_id}>, so nothing was changed. Invite it there "
                "with `/invite @staffvoice`, then send the command again."
            )
        raise
    channel = response.get("channel") or {}
    if channel.get("is_archived"):
        return f"<#{channel_id}> is archived, so nothing was changed. Pick a channel in use."
    if not channel.get("is_member"):
        return (
            f"The bot is not a member of <#{channel_id}>, so it could not post cards there and "
            "nothing was changed. Invite it with `/invite @staffvoice` in that channel, then "
            "send the command again."
        )
    return None


def split_command_text(text: str) -> tuple[list[str], str]:
    """Return the user ids mentioned in /thanks text and the message without the leading ones.

    Every mentioned colleague is thanked. Mentions after the start stay in the
    message as @name, so the card reads as it was typed.
    """
    # NOTE: a channel mention becomes #name, so with values configured it is read as
    # a #tag and rejected unless it names a value.
    recipients = MENTION.findall(text)
    message = LEADING_MENTIONS.sub("", text, count=1)
    return recipients, _plain(message)


def _plain(escaped: str) -> str:
    """Turn escaped slash command text into what the person typed: @name, #name, &, < and >."""
    text = MENTION.sub(lambda match: "@" + _mention_name(match), escaped)
    text = CHANNEL_MENTION.sub(lambda match: "#" + (match.group(2) or match.group(1)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _mention_name(match: re.Match[str]) -> str:
    whole = match.group(0)
    return whole[whole.index("|") + 1 : -1] if "|" in whole else match.group(1)


def check_people(ctx: HandlerContext, recipients: list[str], *, bot_user_id: str | None) -> None:
    """Raise InvalidInput when a colleague named is a bot or a deactivated account."""
    for user_id in dict.fromkeys(recipients):
        if user_id in {SLACKBOT_USER_ID, bot_user_id}:
            raise InvalidInput(_bot_rejection(user_id), field="recipients")
        account = ctx.names.account(user_id, max_age=ACCOUNT_CHECK_SECONDS)
        if account is None:
            # users.info failed; a person's thanks is not refused for Slack's outage.
            continue
        if account.is_bot:
            raise InvalidInput(_bot_rejection(user_id), field="recipients")
        if account.deleted:
            raise InvalidInput(
                f"<@{user_id}> has left the workspace, so they cannot be thanked here. Send "
                "your thanks to the colleagues still with us.",
                field="recipients",
            )


def _bot_rejection(user_id: str) -> str:
    return (
        f"<@{user_id}> is a bot, and bots cannot be thanked, however helpful. Name the people "
        "you want to thank and send it again."
    )


def give_from_command(
    ctx: HandlerContext,
    *,
    person: Person,
    text: str,
    respond: Respond,
    bot_user_id: str | None,
) -> None:
    """Give thanks typed after /thanks, then post or update the card and tell the giver."""
    recipients, message = split_command_text(text)
    thanks.validate_thanks(person, recipients=recipients, message=message, checks=ctx.checks)
    check_people(ctx, recipients, bot_user_id=bot_user_id)
    given = thanks.give_thanks(
        ctx.db,
        person,
        recipients=recipients,
        message=message,
        checks=ctx.checks,
        now=ctx.clock.now(),
        notice=notice,
    )
    respond(text=publish(ctx, given), response_type="ephemeral")


def notice(card: ThanksCard, recipient: str, dedupe_key: str) -> OutboundMessage:
    """Build the direct message telling one colleague that a card thanked them."""
    text, blocks = notice_message(card, recipient)
    return OutboundMessage(
        platform=card.platform, recipient=recipient, text=text, dedupe_key=dedupe_key, blocks=blocks
    )


def publish(ctx: HandlerContext, given: GivenThanks) -> str:
    """Post a new card or show a merged one's new colleagues; return the reply for the giver."""
    card = given.card
    people = _mentions(given.added)
    if given.merged and not given.added:
        return (
            "You sent these thanks a moment ago, so no second card was posted. "
            f"The card is in <#{card.channel_id}>."
        )
    try:
        if given.merged:
            thanks.show_added_colleagues(ctx.db, ctx.publisher, card.id)
        else:
            thanks.deliver_card(ctx.db, ctx.publisher, card.id, now=ctx.clock.now())
    except DeliveryFailed as error:
        logger.warning("Thanks %s stored but its card not shown: %s", card.id, error.reason)
        return (
            f"Your thanks is saved and {people} will get a direct message, but the card could "
            f"not be shown in <#{card.channel_id}>: {post_failure_hint(error.reason)}. The bot "
            "tries again for a day; an engagement manager can fix the channel with "
            "`/thanks channel #channel`."
        )
    if given.merged:
        return (
            f"You sent these thanks a moment ago, so {people} joined that card in "
            f"<#{card.channel_id}> and will get a direct message."
        )
    return f"Thank you for thanking {people}. Your card is in <#{card.channel_id}>."


def _mentions(user_ids: tuple[str, ...]) -> str:
    mentions = [f"<@{user_id}>" for user_id in user_ids]
    if len(mentions) <= 1:
        return "".join(mentions)
    return ", ".join(mentions[:-1]) + " and " + mentions[-1]


def open_form(ctx: HandlerContext, *, body: dict[str, Any], client: WebClient) -> None:
    """Open the "Thank a colleague" form, from a message, the App Home tab or anywhere else."""
    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    setup = thanks.recognition_setup(ctx.db, platform=PLATFORM, team_id=team_id)
    client.views_open(trigger_id=body["trigger_id"], view=thanks_form(setup))


# The modal block each core error field is shown beside.
FIELD_BLOCKS = {
    "recipients": ThanksIds.RECIPIENTS_BLOCK,
    "message": ThanksIds.MESSAGE_BLOCK,
    "values": ThanksIds.VALUES_BLOCK,
}


def thanks_submission(
    ctx: HandlerContext,
    *,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    bot_user_id: str | None,
) -> None:
    """Give thanks from the form; a fault is shown beside its field and nothing is stored."""
    state = view["state"]["values"]
    recipients = list(
        state.get(ThanksIds.RECIPIENTS_BLOCK, {})
        .get(ThanksIds.RECIPIENTS_ACTION, {})
        .get("selected_users")
        or []
    )
    message = (
        state.get(ThanksIds.MESSAGE_BLOCK, {}).get(ThanksIds.MESSAGE_ACTION, {}).get("value") or ""
    )
    selected = (
        state.get(ThanksIds.VALUES_BLOCK, {})
        .get(ThanksIds.VALUES_ACTION, {})
        .get("selected_options")
        or []
    )
    values = [str(option.get("value")) for option in selected]

    user = body["user"]
    team_id = (body.get("team") or {}).get("id") or user.get("team_id", "")
    person = Person(platform=PLATFORM, team_id=team_id, user_id=user["id"])
    problems = thanks.form_problems(
        ctx.db, person, recipients=recipients, message=message, values=values, checks=ctx.checks
    )
    if not any(problem.field == "recipients" for problem in problems):
        try:
            check_people(ctx, recipients, bot_user_id=bot_user_id)
        except InvalidInput as error:
            problems.insert(0, error)
    if problems:
        reject_form(ctx, ack=ack, problems=problems, state=state, team_id=team_id)
        return
    try:
        given = thanks.give_thanks(
            ctx.db,
            person,
            recipients=recipients,
            message=message,
            values=values,
            checks=ctx.checks,
            now=ctx.clock.now(),
            notice=notice,
        )
    except InvalidInput as error:
        # A fault form_problems did not find, such as a missing channel or values changed
        # by a manager since.
        reject_form(ctx, ack=ack, problems=[error], state=state, team_id=team_id)
        return

    ack()
    reply = publish(ctx, given)
    try:
        client.chat_postMessage(channel=person.user_id, text=reply)
    except SlackApiError as error:
        logger.warning(
            "Could not confirm thanks %s to its giver: %s",
            given.card.id,
            error.response.get("error"),
        )


def reject_form(
    ctx: HandlerContext,
    *,
    ack: Ack,
    problems: list[InvalidInput],
    state: dict[str, Any],
    team_id: str,
) -> None:
    """Show each fault beside its field in the form, the first one where two share a field."""
    errors_by_block: dict[str, str] = {}
    for problem in problems:
        block = FIELD_BLOCKS.get(problem.field or "", ThanksIds.MESSAGE_BLOCK)
        if block is ThanksIds.VALUES_BLOCK and ThanksIds.VALUES_BLOCK.value not in state:
            block = ThanksIds.MESSAGE_BLOCK
        if isinstance(problem, thanks.NoThanksRecipient):
            reason = FORM_NO_RECIPIENT
        elif isinstance(problem, thanks.EmptyThanksMessage):
            reason = FORM_EMPTY_MESSAGE
        else:
            reason = problem.user_message
        # Slack shows form errors as plain text, so mentions are written as names.
        shown = MENTION.sub(
            lambda match: "@" + (ctx.names.get(match.group(1)) or match.group(1)), reason
        )
        errors_by_block.setdefault(block.value, shown)
    logger.info(
        "Thanks form from team %s rejected: %s",
        team_id,
        ", ".join(problem.field or "message" for problem in problems),
    )
    ack(response_action="errors", errors=errors_by_block)
