"""Block Kit for peer recognition: the card, its direct message, the form and the summary."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.core.privacy import ERASED_AUTHOR_NAME, PSEUDONYM_PREFIX
from bot.core.recognition_summary import RecognitionSummary
from bot.core.thanks import (
    CHANNEL_NOT_SET,
    MAX_MESSAGE_LENGTH,
    MAX_RECIPIENTS,
    RecognitionSetup,
    ThanksCard,
    ThanksOverview,
    value_key,
)
from handlers.ids import ThanksIds
from handlers.mrkdwn import escape, excerpt, split_for_sections

Blocks = list[dict[str, Any]]

# Slack's checkboxes element takes at most 10 options; more values use a multi-select menu.
MAX_CHECKBOXES = 10
# Messages in the overview of `/thanks` are cut to about one line each.
OVERVIEW_EXCERPT_LENGTH = 100
BADGE = ":medal:"


def _section(text: str) -> dict[str, Any]:
    # verbatim stops Slack from turning escaped user text into links; <@U…> mentions still show.
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def person(user_id: str, *, starts_sentence: bool = False) -> str:
    """Return a mention of the person, or words for someone whose data was erased.

    An erased person's id is a pseudonym that Slack cannot show as a mention.
    """
    if user_id.startswith(PSEUDONYM_PREFIX):
        name = ERASED_AUTHOR_NAME.lower()
        return f"A {name}" if starts_sentence else f"a {name}"
    return f"<@{user_id}>"


def _people(user_ids: tuple[str, ...] | list[str]) -> str:
    mentions = [person(user_id) for user_id in user_ids]
    if len(mentions) <= 1:
        return "".join(mentions)
    return ", ".join(mentions[:-1]) + " and " + mentions[-1]


def _quote(message: str) -> list[str]:
    """Return the escaped message as block quotes, one per section."""
    # Quoting at most doubles a piece (every line empty), so pieces of 1,400
    # characters stay within Slack's 3,000-character section text.
    pieces = split_for_sections(escape(message), limit=1400)
    return [
        "\n".join("> " + line if line else ">" for line in piece.splitlines()) for piece in pieces
    ]


def badges(values: tuple[str, ...]) -> str:
    """Return a card's values as badges, such as ":medal: Compassionate   :medal: Open"."""
    return "   ".join(f"{BADGE} {escape(value)}" for value in values)


def card_message(card: ThanksCard) -> tuple[str, Blocks]:
    """Return the text and blocks of a thank-you card in the recognition channel."""
    headline = f"{person(card.giver_id, starts_sentence=True)} thanked {_people(card.recipients)}"
    blocks: Blocks = [_section(f":tada: *{headline}*")]
    blocks.extend(_section(piece) for piece in _quote(card.message))
    if card.values:
        blocks.append(_context(badges(card.values)))
    text = f"{headline}: {escape(excerpt(card.message, length=OVERVIEW_EXCERPT_LENGTH))}"
    return text, blocks


def notice_message(card: ThanksCard, recipient: str) -> tuple[str, Blocks]:
    """Return the direct message telling one colleague that a card thanked them."""
    others = [user_id for user_id in card.recipients if user_id != recipient]
    headline = f"{person(card.giver_id, starts_sentence=True)} thanked you"
    if others:
        headline += f", with {_people(others)}"
    blocks: Blocks = [_section(f":tada: *{headline}*")]
    blocks.extend(_section(piece) for piece in _quote(card.message))
    if card.values:
        blocks.append(_context(badges(card.values)))
    if card.channel_id:
        blocks.append(_context(f"Everyone can see the card in <#{card.channel_id}>."))
    text = f"{headline}: {escape(excerpt(card.message, length=OVERVIEW_EXCERPT_LENGTH))}"
    return text, blocks


def open_form_button() -> dict[str, Any]:
    """Return the "Thank a colleague" button, which opens the form from any message or tab."""
    return {
        "type": "button",
        "action_id": ThanksIds.OPEN_ACTION.value,
        "text": {"type": "plain_text", "text": "Thank a colleague"},
        "style": "primary",
    }


def overview_message(
    overview: ThanksOverview, *, setup: RecognitionSetup, timezone: ZoneInfo
) -> tuple[str, Blocks]:
    """Return the private reply to `/thanks` alone: thanks received and given, and the button."""
    received = "1 thank-you" if overview.received == 1 else f"{overview.received} thank-yous"
    given = "1 card" if overview.given == 1 else f"{overview.given} cards"
    text = f"You have received {received} and given {given}."
    blocks: Blocks = [_section(f"*You have received {received}* and given {given}.")]
    if overview.latest_received:
        lines = []
        for card in overview.latest_received:
            when = card.created_at.astimezone(timezone)
            message = escape(excerpt(card.message, length=OVERVIEW_EXCERPT_LENGTH))
            giver = person(card.giver_id, starts_sentence=True)
            lines.append(f"• {giver}, {when.day} {when:%B %Y}: {message}")
        blocks.append(_section("*Latest received*\n" + "\n".join(lines)))
    if setup.channel_id is None:
        blocks.append(_context(CHANNEL_NOT_SET))
    else:
        blocks.append({"type": "actions", "elements": [open_form_button()]})
        blocks.append(
            _context(
                "Or type `/thanks @colleague your message`"
                + (", adding a #value" if setup.values else "")
                + f". Cards are posted in <#{setup.channel_id}>."
            )
        )
    return text, blocks


def thanks_form(setup: RecognitionSetup) -> dict[str, Any]:
    """Return the "Thank a colleague" modal, or a notice without a form when there is no channel."""
    if setup.channel_id is None:
        return {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Thank a colleague"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [_section(CHANNEL_NOT_SET)],
        }
    blocks: Blocks = [
        {
            "type": "input",
            "block_id": ThanksIds.RECIPIENTS_BLOCK.value,
            "label": {"type": "plain_text", "text": "Who do you want to thank?"},
            "element": {
                "type": "multi_users_select",
                "action_id": ThanksIds.RECIPIENTS_ACTION.value,
                "max_selected_items": MAX_RECIPIENTS,
                "placeholder": {"type": "plain_text", "text": "Pick colleagues"},
            },
        },
        {
            "type": "input",
            "block_id": ThanksIds.MESSAGE_BLOCK.value,
            "label": {"type": "plain_text", "text": "What are you thanking them for?"},
            "element": {
                "type": "plain_text_input",
                "action_id": ThanksIds.MESSAGE_ACTION.value,
                "multiline": True,
                "max_length": MAX_MESSAGE_LENGTH,
            },
        },
    ]
    if setup.values:
        options = [
            {"text": {"type": "plain_text", "text": value}, "value": value}
            for value in setup.values
        ]
        element: dict[str, Any] = (
            {"type": "checkboxes", "options": options}
            if len(options) <= MAX_CHECKBOXES
            else {
                "type": "multi_static_select",
                "options": options,
                "placeholder": {"type": "plain_text", "text": "Pick values"},
            }
        )
        element["action_id"] = ThanksIds.VALUES_ACTION.value
        blocks.append(
            {
                "type": "input",
                "block_id": ThanksIds.VALUES_BLOCK.value,
                "optional": True,
                "label": {"type": "plain_text", "text": "Which of our values did they show?"},
                "element": element,
            }
        )
    blocks.append(_context(f"The card is posted in <#{setup.channel_id}>."))
    return {
        "type": "modal",
        "callback_id": ThanksIds.MODAL_CALLBACK.value,
        "title": {"type": "plain_text", "text": "Thank a colleague"},
        "submit": {"type": "plain_text", "text": "Send thanks"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def values_text(setup: RecognitionSetup) -> str:
    """Return the reply listing the organisation's values and how to pick them."""
    if not setup.values:
        return (
            "No values are set, so cards carry no badges. An engagement manager can set them "
            "with `/thanks values compassionate, open, respectful`."
        )
    listed = ", ".join(escape(value) for value in setup.values)
    tags = " ".join("#" + value_key(value) for value in setup.values)
    return (
        f"Your organisation's values are: {listed}. Add them to a card as badges by writing "
        f"them as hashtags ({tags}) or by ticking them in the form."
    )


def channel_set_text(setup: RecognitionSetup, *, changed: bool) -> str:
    """Return the reply to `/thanks channel`."""
    if not changed:
        return f"Thank-you cards are already posted in <#{setup.channel_id}>; nothing changed."
    return f"Thank-you cards will be posted in <#{setup.channel_id}> from now on."


def recognition_summary_message(summary: RecognitionSummary) -> tuple[str, Blocks]:
    """Return the monthly recognition summary for a manager's direct message."""
    cards = "1 thank-you card" if summary.cards == 1 else f"{summary.cards} thank-you cards"
    people = (
        "1 colleague"
        if summary.colleagues_thanked == 1
        else f"{summary.colleagues_thanked} colleagues"
    )
    text = f"Recognition in {summary.title}: {cards} thanked {people}."

    blocks: Blocks = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Recognition in {summary.title}"},
        },
        _section(f"*{cards}* thanked *{people}*."),
    ]
    value_lines = [f"• {escape(value)}: {count}" for value, count in summary.by_value]
    if summary.cards_without_value:
        value_lines.append(f"• No value picked: {summary.cards_without_value}")
    if summary.by_value:
        blocks.append(_section("*Cards by value*\n" + "\n".join(value_lines)))

    directorate_lines = [
        f"• {escape(group.name)}: {group.participants}"
        for group in summary.by_directorate.groups
        if group.participants
    ]
    if directorate_lines:
        blocks.append(
            _section(
                "*Cards by directorate of the colleagues thanked*\n" + "\n".join(directorate_lines)
            )
        )
    blocks.append(
        _context(
            "A card that thanked people in two directorates counts in each. Directorates with "
            f"fewer than {summary.min_group_size} staff are counted within Other groups. "
            "Nobody is named or ranked."
        )
    )
    return text, blocks
