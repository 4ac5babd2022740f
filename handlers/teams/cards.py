"""Adaptive Card parts the Teams cards share, the card size check, and the notice card.

Cards use schema version 1.5, because Teams runs Action.Execute and refresh
only on cards of that version ("Work with Universal Actions for Adaptive
Cards", Teams platform docs).

Text a person typed, or that comes from the staff list, goes into a
RichTextBlock's TextRun and never into a TextBlock. A TextBlock parses a subset
of Markdown (**bold**, _italic_, lists, [links](url)), so an idea such as
"**urgent** - see [form](x)" would change its look there. The Adaptive Cards
text features page states that a RichTextBlock does not take Markdown.
NOTE: checked against the Adaptive Cards documentation only, not against a Teams
client.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from handlers.teams.cards_ids import TOGGLE_OFF, TOGGLE_ON

Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"

# Teams counts a bot message's size in UTF-16 and rejects one over 40 KB with
# 413 MessageSizeTooBig ("Format your bot messages", Teams platform docs). A
# card of at most 28 KB, also the documented size limit of an incoming-webhook
# message, leaves 12 KB for the activity around it.
MAX_CARD_BYTES = 28 * 1024

# The container styles a notice may take.
NOTICE_STYLES = ("default", "attention", "good")

FIELD_ERROR_TEXT = "Change this field: the message at the top says why."


def card_size(card: Card) -> int:
    """Return the card's size in bytes as Teams counts it: compact JSON in UTF-16."""
    encoded = json.dumps(card, ensure_ascii=False, separators=(",", ":"))
    return len(encoded.encode("utf-16-le"))


def adaptive_card(
    body: Sequence[Element],
    *,
    actions: Sequence[Element] = (),
    refresh: Element | None = None,
) -> Card:
    """Build an Adaptive Card of schema version 1.5 from its body, actions and refresh."""
    card: Card = {
        "type": "AdaptiveCard",
        "version": CARD_VERSION,
        "$schema": SCHEMA_URL,
        "body": list(body),
        "actions": list(actions),
    }
    if refresh is not None:
        card["refresh"] = refresh
    return card


def text_block(
    text: str, *, weight: str | None = None, size: str | None = None, subtle: bool = False
) -> Element:
    """Build a wrapping TextBlock for the bot's own text, which may use the Markdown subset."""
    block: Element = {"type": "TextBlock", "text": text, "wrap": True}
    if weight:
        block["weight"] = weight
    if size:
        block["size"] = size
    if subtle:
        block["isSubtle"] = True
    return block


def text_run(
    text: str,
    *,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    italic: bool = False,
) -> Element:
    """Build a TextRun, whose text the client shows as typed, without Markdown."""
    run: Element = {"type": "TextRun", "text": text}
    if weight:
        run["weight"] = weight
    if color:
        run["color"] = color
    if subtle:
        run["isSubtle"] = True
    if italic:
        run["italic"] = True
    return run


def rich_text(*runs: Element, spacing: str | None = None) -> Element:
    """Build a RichTextBlock of TextRuns, for lines that contain text people typed."""
    block: Element = {"type": "RichTextBlock", "inlines": list(runs)}
    if spacing:
        block["spacing"] = spacing
    return block


def plain_text(
    text: str,
    *,
    weight: str | None = None,
    color: str | None = None,
    subtle: bool = False,
    italic: bool = False,
    spacing: str | None = None,
) -> Element:
    """Build a RichTextBlock that shows text exactly as typed, in one style."""
    return rich_text(
        text_run(text, weight=weight, color=color, subtle=subtle, italic=italic),
        spacing=spacing,
    )


def execute_action(
    title: str, *, verb: str, data: Mapping[str, Any] | None = None, style: str | None = None
) -> Element:
    """Build an Action.Execute, which Teams sends to the bot as an adaptiveCard/action invoke."""
    action: Element = {"type": "Action.Execute", "title": title, "verb": str(verb)}
    if data:
        action["data"] = {str(key): value for key, value in data.items()}
    if style:
        action["style"] = style
    return action


def error_block(message: str) -> Element:
    """Build the attention-coloured line that shows why a form was not accepted."""
    return plain_text(message, weight="bolder", color="attention")


def text_input(
    input_id: str,
    *,
    label: str,
    value: str | None = None,
    max_length: int | None = None,
    multiline: bool = False,
    required: bool = False,
    placeholder: str | None = None,
    error_message: str | None = None,
) -> Element:
    """Build an Input.Text. A value longer than max_length is cut to it, as typing would be."""
    element: Element = {"type": "Input.Text", "id": str(input_id), "label": label}
    if multiline:
        element["isMultiline"] = True
    if max_length is not None:
        element["maxLength"] = max_length
    if placeholder:
        element["placeholder"] = placeholder
    if required:
        element["isRequired"] = True
        element["errorMessage"] = error_message or f"{label} is required."
    if value:
        element["value"] = value[:max_length] if max_length is not None else value
    return element


def choice_input(
    input_id: str,
    *,
    label: str,
    choices: Iterable[tuple[str, str]],
    value: str | None = None,
    required: bool = False,
    placeholder: str | None = None,
    error_message: str | None = None,
) -> Element:
    """Build a drop-down Input.ChoiceSet from (value, title) pairs, keeping only a known value."""
    options = [{"title": title, "value": choice} for choice, title in choices]
    element: Element = {
        "type": "Input.ChoiceSet",
        "id": str(input_id),
        "label": label,
        "style": "compact",
        "choices": options,
    }
    if placeholder:
        element["placeholder"] = placeholder
    if required:
        element["isRequired"] = True
        element["errorMessage"] = error_message or f"Choose the {label.lower()}."
    known = {option["value"] for option in options}
    if value in known:
        element["value"] = value
    elif required and len(options) == 1:
        element["value"] = options[0]["value"]
    return element


def toggle_input(input_id: str, *, title: str, label: str | None = None, on: bool) -> Element:
    """Build an Input.Toggle whose value is "true" or "false"."""
    element: Element = {
        "type": "Input.Toggle",
        "id": str(input_id),
        "title": title,
        "valueOn": TOGGLE_ON,
        "valueOff": TOGGLE_OFF,
        "value": TOGGLE_ON if on else TOGGLE_OFF,
        "wrap": True,
    }
    if label:
        element["label"] = label
    return element


def form_body(
    fields: Sequence[tuple[str, Sequence[Element]]],
    *,
    error: str | None,
    error_field: str | None,
    head: Sequence[Element] = (),
    field_names: Mapping[str, str] | None = None,
) -> list[Element]:
    """Lay out a form: the error at the top, then head, then each field's elements in order.

    fields pairs each input id with the elements that show it. error_field is an
    input id or the core's InvalidInput.field name, which field_names maps to an
    input id. The input it names gets a line right under it pointing to the error.
    """
    at_fault = (field_names or {}).get(error_field or "", error_field)
    body: list[Element] = []
    if error:
        body.append(error_block(error))
    body.extend(head)
    for input_id, elements in fields:
        for element in elements:
            body.append(element)
            if error and input_id == at_fault and element.get("id") == input_id:
                body.append(plain_text(FIELD_ERROR_TEXT, color="attention", spacing="none"))
    return body


def notice_card(title: str, text: str, *, style: str = "default") -> Card:
    """Build a card that confirms an action or explains a refusal.

    style is "default", "attention" (a refusal or failure) or "good" (done), and
    colours the container. Raises ValueError for any other style.
    """
    if style not in NOTICE_STYLES:
        raise ValueError(f"Unknown notice style {style!r}: use one of {', '.join(NOTICE_STYLES)}.")
    container: Element = {
        "type": "Container",
        "style": style,
        "items": [plain_text(title, weight="bolder"), plain_text(text)],
    }
    return adaptive_card([container])
