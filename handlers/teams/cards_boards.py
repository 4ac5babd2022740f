"""Adaptive Cards of Your Shout boards in Teams: the board's header card, and the replace offer."""

from __future__ import annotations

from bot.core.records import BoardRecord
from handlers.teams.cards import Card, adaptive_card, execute_action, plain_text, text_block
from handlers.teams.cards_ids import BoardInput, CardVerb
from handlers.teams.cards_manage import board_form

# The data key of the board form's second action, which replaces the board's question.
REPLACE = "replace"
HOW_TO_TAKE_PART = (
    "**How to take part:** @mention staffvoice here with **idea** (or **idea: your idea**) "
    "to share an idea, anonymously if you like. Vote with an idea's Vote button or a like, "
    "and reply to an idea to comment. The lead answers ideas with **status IDEA-ID**."
)
CLOSED_NOTE = "This board is closed. Voting has stopped; its ideas and answers stay."


def board_header_card(board: BoardRecord, *, lead_name: str | None = None) -> Card:
    """Build the card that shows a board's question in its channel, and how to take part.

    lead_name, when known, names who runs the board.
    """
    runner = f"Run by {lead_name}" if lead_name else "Run by this team's lead"
    state = "open" if board.is_open else "closed"
    body = [
        text_block("Your Shout", weight="bolder", size="medium"),
        plain_text(board.question, weight="bolder"),
        text_block(HOW_TO_TAKE_PART if board.is_open else CLOSED_NOTE),
        plain_text(f"{runner} · {state}", subtle=True),
    ]
    return adaptive_card(body)


def replace_offer(board: BoardRecord, *, question: str, channel_id: str, idea_count: int) -> Card:
    """Build the board form again, offering to replace the question of the channel's board.

    The form keeps the new question. Its second action sends the same verb with
    REPLACE set, which also reopens a closed board, and keeps its ideas.
    """
    ideas = "1 idea" if idea_count == 1 else f"{idea_count} ideas"
    state = "an open" if board.is_open else "a closed"
    reopen = "" if board.is_open else " and reopen the board"
    error = (
        f"This channel has {state} Your Shout board already, with {ideas}, asking: "
        f"\u201c{board.question}\u201d. Press Replace the question to ask yours instead{reopen}; "
        "its ideas stay."
    )
    card = board_form(values={BoardInput.QUESTION: question}, error=error)
    data = {BoardInput.CHANNEL.value: channel_id}
    card["actions"] = [
        execute_action(
            "Replace the question", verb=CardVerb.OPEN_BOARD, data={**data, REPLACE: True}
        )
    ]
    return card
