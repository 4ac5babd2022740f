"""Invoke responses the Teams handlers return: cards, task modules and errors."""

from __future__ import annotations

from typing import Any

from handlers.teams.cards import Card, notice_card
from handlers.teams.connector import ADAPTIVE_CARD

Response = dict[str, Any]


def card_response(card: Card) -> Response:
    """Return an adaptiveCard/action response that replaces the card for the person who acted."""
    return {"statusCode": 200, "type": ADAPTIVE_CARD, "value": card}


def notice_response(title: str, text: str, *, style: str = "default") -> Response:
    """Return an adaptiveCard/action response that replaces the card with a notice."""
    return card_response(notice_card(title, text, style=style))


def task_card(card: Card, *, title: str) -> Response:
    """Return a task module response that shows a card in a dialog.

    A dialog's card submits with Action.Submit, which Teams sends as the message
    extension's submitAction with the inputs and the button's data; Action.Execute
    is for cards in conversations. So Execute buttons become Submit buttons here.
    """
    for action in card.get("actions", []):
        if action.get("type") == "Action.Execute":
            action["type"] = "Action.Submit"
            action["data"] = {"verb": action.pop("verb", None), **action.get("data", {})}
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": title,
                "card": {"contentType": ADAPTIVE_CARD, "content": card},
            },
        }
    }


def task_message(text: str) -> Response:
    """Return a task module response that closes the dialog with a short message."""
    return {"task": {"type": "message", "value": text}}


def with_action_data(card: Card, data: dict[str, Any]) -> Card:
    """Add data to each Action.Execute of a card, such as the channel a form came from."""
    for action in card.get("actions", []):
        if action.get("type") == "Action.Execute":
            action["data"] = {**action.get("data", {}), **data}
    return card
