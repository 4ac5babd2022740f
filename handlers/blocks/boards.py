"""Block Kit for Your Shout boards: the channel header, the state view and the replace prompt."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.core.board_state import BoardIdea, BoardListing, BoardOverview
from bot.core.records import BoardRecord
from bot.core.statuses import status_label
from handlers.blocks.campaigns import comment_label
from handlers.blocks.ideas import vote_label
from handlers.ids import BoardIds
from handlers.mrkdwn import escape, excerpt

Blocks = list[dict[str, Any]]

# The state view lists this many open ideas and answers. With one section
# each, plus headings, it stays well under Slack's 50 blocks in a message.
TOP_IDEAS_SHOWN = 10
ANSWERS_SHOWN = 5
# Characters of idea text and status reply in the state view; each section
# stays far under Slack's 3,000-character section text limit.
IDEA_EXCERPT_LENGTH = 150
REPLY_EXCERPT_LENGTH = 300
# Boards listed in one reply to a manager, keeping it far under Slack's
# 40,000-character message text limit; the rest are counted.
MAX_LISTED_BOARDS = 100


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def bold_question(question: str) -> dict[str, Any]:
    """Build a rich_text block that shows the question in bold, as it was typed.

    Slack's rich text block reference gives styles and mentions as fields and
    elements of their own, not as markup in a text element, so *, _ and ~ in
    the question cannot end the bold early.
    NOTE: tested only against the Slack stand-in, which does not render blocks.
    """
    return {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [{"type": "text", "text": question, "style": {"bold": True}}],
            }
        ],
    }


def lead_label(board: BoardRecord) -> str:
    """Return who runs the board as mrkdwn: a mention, noting a lead who has left."""
    if board.lead_departed_at is not None:
        return f"<@{board.lead_id}>, who has left, so it needs a new lead"
    return f"<@{board.lead_id}>"


def header_message(board: BoardRecord) -> tuple[str, Blocks]:
    """Build the board's header message in its channel: (notification text, blocks)."""
    question = escape(board.question)
    text = f"Your Shout: {question}"
    if board.is_open:
        instructions = (
            "*How to take part*\n"
            "• Share an idea here with `/idea` followed by your idea, or `/idea` alone for a "
            "form where you can post anonymously.\n"
            "• Vote for ideas you support with :+1: or the Vote button.\n"
            "• Comment by replying in an idea's thread.\n"
            "• See the ranked ideas and the answers so far with `/yourshout`.\n"
            f"• {lead_label(board)} answers each idea from the `⋯` menu on its message."
        )
        state = f"Run by {lead_label(board)} · open"
    else:
        instructions = (
            "*This board is closed.* Voting has stopped; its ideas and answers stay, and "
            "`/yourshout` still shows them."
        )
        state = f"Run by {lead_label(board)} · closed"
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your Shout", "emoji": True}},
        bold_question(board.question),
        _section(instructions),
        _context(state),
    ]
    return text, blocks


def replace_prompt(board: BoardRecord, *, idea_count: int, new_question: str) -> tuple[str, Blocks]:
    """Build the private prompt to replace the question of the channel's board, or keep it.

    For a closed board, Replace also reopens it, and Keep leaves it closed.
    The Replace button's value is JSON with the board id and the new question,
    at most 300 characters, well within Slack's 2,000-character button value limit.
    """
    ideas = "1 idea" if idea_count == 1 else f"{idea_count} ideas"
    if board.is_open:
        text = (
            f"This channel has a Your Shout board already, with {ideas}, asking: "
            f"\u201c{escape(board.question)}\u201d. Replace its question with "
            f"\u201c{escape(new_question)}\u201d, or keep it as it is? Its ideas stay either way."
        )
        replace_label, keep_label = "Replace question", "Keep current question"
    else:
        text = (
            f"This channel has a closed Your Shout board, with {ideas}, asking: "
            f"\u201c{escape(board.question)}\u201d. Replace its question with "
            f"\u201c{escape(new_question)}\u201d and reopen it, or keep it closed as it is? "
            "Its ideas and answers stay either way."
        )
        replace_label, keep_label = "Replace question and reopen", "Keep it closed"
    value = json.dumps({"board": board.id, "question": new_question}, ensure_ascii=False)
    blocks: Blocks = [
        _section(text),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": BoardIds.REPLACE_ACTION,
                    "text": {"type": "plain_text", "text": replace_label},
                    "style": "primary",
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": BoardIds.KEEP_ACTION,
                    "text": {"type": "plain_text", "text": keep_label},
                    "value": str(board.id),
                },
            ],
        },
    ]
    return text, blocks


def _idea_link(idea: BoardIdea, permalinks: Mapping[int, str]) -> str:
    text = escape(excerpt(idea.text, length=IDEA_EXCERPT_LENGTH))
    link = permalinks.get(idea.idea_id)
    return f"<{link}|{text}>" if link else text


def _ranked_line(position: int, idea: BoardIdea, permalinks: Mapping[int, str]) -> str:
    # The bold vote count goes first, so an asterisk in the idea text cannot pair with it.
    parts = [
        f"{position}. *{vote_label(idea.vote_count)}*",
        _idea_link(idea, permalinks),
        comment_label(idea.comment_count),
    ]
    if idea.status is not None:
        parts.append(status_label(idea.status))
    return " · ".join(parts)


def _answer_line(idea: BoardIdea, permalinks: Mapping[int, str]) -> str:
    line = f"*{status_label(idea.status)}*: {_idea_link(idea, permalinks)}"
    if idea.status_reply:
        line += f"\n> {escape(excerpt(idea.status_reply, length=REPLY_EXCERPT_LENGTH))}"
    return line


def overview_message(
    overview: BoardOverview, *, permalinks: Mapping[int, str]
) -> tuple[str, Blocks]:
    """Build the private view of a board: its question, ranked open ideas and answers.

    permalinks maps idea ids to links to their messages; an idea without one is shown unlinked.
    """
    board = overview.board
    question = escape(board.question)
    state = "open" if board.is_open else "closed, so voting has stopped"
    ideas = "1 idea" if overview.idea_count == 1 else f"{overview.idea_count} ideas"
    text = f"Your Shout in <#{board.channel_id}>: {question}"
    blocks: Blocks = [
        _section(f"*Your Shout* in <#{board.channel_id}>"),
        bold_question(board.question),
        _context(f"{ideas} · {state} · run by {lead_label(board)}"),
    ]
    if overview.idea_count == 0:
        share = " Share one here with `/idea` followed by your idea." if board.is_open else ""
        blocks.append(_section(f"No ideas yet.{share}"))
    elif not overview.ranked:
        blocks.append(
            _section(
                "Every idea has a final answer (done or not taken forward), so none is waiting."
            )
        )
    else:
        blocks.append(_section("*Waiting for a final answer*, most votes first"))
        shown = overview.ranked[:TOP_IDEAS_SHOWN]
        blocks.extend(
            _section(_ranked_line(position, idea, permalinks))
            for position, idea in enumerate(shown, start=1)
        )
        more = len(overview.ranked) - len(shown)
        if more:
            blocks.append(_context(f"…and {more} more waiting, with fewer votes."))
    if overview.answered:
        blocks.append(_section("*The lead's answers*, latest first"))
        shown_answers = overview.answered[:ANSWERS_SHOWN]
        blocks.extend(_section(_answer_line(idea, permalinks)) for idea in shown_answers)
        more = len(overview.answered) - len(shown_answers)
        if more:
            blocks.append(_context(f"…and {more} earlier answers."))
    else:
        blocks.append(_context("The lead has not answered any idea yet."))
    return text, blocks


def board_list_text(listing: BoardListing) -> str:
    """List the workspace's boards for a manager, with channel, question, status, lead and ideas."""
    lines = []
    for summary in listing.boards[:MAX_LISTED_BOARDS]:
        board = summary.board
        ideas = "1 idea" if summary.idea_count == 1 else f"{summary.idea_count} ideas"
        private = ", private channel" if board.private else ""
        lines.append(
            f"• <#{board.channel_id}>{private}: \u201c{escape(excerpt(board.question, length=150))}"
            f"\u201d · {board.status} · lead {lead_label(board)} · {ideas}"
        )
    unlisted = len(listing.boards) - MAX_LISTED_BOARDS
    if unlisted > 0:
        lines.append(f"…and {unlisted} more boards, not listed here.")
    if listing.hidden_private_count:
        count = listing.hidden_private_count
        noun = "board" if count == 1 else "boards"
        lines.append(
            f"{count} {noun} in private channels you are not a member of, so their questions "
            "and ideas are not shown."
        )
    if not lines:
        return (
            "There are no Your Shout boards yet. A team lead starts one in their team's "
            "channel with `/yourshout start QUESTION`."
        )
    return "*Your Shout boards*\n" + "\n".join(lines)
