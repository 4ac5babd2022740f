"""Block Kit of the direct messages about Your Shout boards: the weekly digest and notices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.board_digest import BoardDigest, DigestIdea
from bot.core.boards import WEEKDAYS
from bot.core.records import BoardRecord
from handlers.blocks.campaigns import comment_label
from handlers.blocks.digest import idea_label
from handlers.blocks.ideas import vote_label
from handlers.mrkdwn import escape, excerpt

Blocks = list[dict[str, Any]]

# Idea texts are cut to this many characters, so each listed idea stays on about one line.
IDEA_EXCERPT_LENGTH = 120
QUESTION_EXCERPT_LENGTH = 200


def _section(text: str) -> dict[str, Any]:
    # verbatim stops Slack from turning escaped user text into links or mentions again.
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def board_place(board: BoardRecord) -> str:
    """Return the board's channel as a Slack channel mention, which Slack shows by its name."""
    return f"<#{board.channel_id}>"


def digest_schedule_label(board: BoardRecord) -> str:
    """Return the board's digest day and local time, such as "Monday at 09:00"."""
    hours, minutes = divmod(board.digest_minute, 60)
    return f"{WEEKDAYS[board.digest_weekday].capitalize()} at {hours:02d}:{minutes:02d}"


def _idea_label(idea: DigestIdea, permalinks: Mapping[int, str]) -> str:
    label = escape(excerpt(idea.text, length=IDEA_EXCERPT_LENGTH))
    link = permalinks.get(idea.idea_id)
    return f"<{link}|{label}>" if link else label


def _author(idea: DigestIdea) -> str:
    if idea.anonymous:
        return "Anonymous"
    return escape(idea.author_name) if idea.author_name else "someone"


def _ideas_label(count: int) -> str:
    return "1 idea" if count == 1 else f"{count} ideas"


def _day_label(days: int) -> str:
    return "1 day" if days == 1 else f"{days} days"


def hidden_ideas_note(digest: BoardDigest) -> str:
    """Return why a private board's digest shows counts only."""
    place = board_place(digest.board)
    if digest.lead_is_member is False:
        return (
            f"{place} is a private channel and you are not a member of it, so this digest "
            "shows counts only. Join the channel to see its ideas here."
        )
    return (
        f"{place} is a private channel and the bot could not check that you are a member "
        "of it, so this digest shows counts only."
    )


# The digest's last line: how a lead changes the digest's day and time in Slack.
CHANGE_SCHEDULE = "Change it in the channel with `/yourshout digest DAY HH:MM`."


def board_digest_message(
    digest: BoardDigest,
    *,
    permalinks: Mapping[int, str],
    timezone: ZoneInfo,
    change_schedule: str | None = CHANGE_SCHEDULE,
) -> tuple[str, Blocks]:
    """Build the weekly digest: the week's activity, ideas waiting longest, and totals.

    change_schedule ends the note on when the digest comes; None leaves it out.
    """
    board = digest.board
    activity = digest.activity
    totals = digest.totals
    week_end = digest.period_end.astimezone(timezone)
    counts = (
        f"{idea_label(activity.idea_count)} · {comment_label(activity.comment_count)} · "
        f"{vote_label(activity.vote_count)}"
    )
    blocks: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your Shout weekly digest"}},
    ]
    intro = f"Your board in {board_place(board)}"
    if digest.show_ideas:
        # The question is quoted, not bold, because Slack's mrkdwn escapes only &, < and >,
        # so a "*" in the question would end the bold early.
        question = escape(excerpt(board.question, length=QUESTION_EXCERPT_LENGTH))
        intro += f" asks:\n>{question}"
    blocks.append(_section(f"{intro}\n*Week to {week_end.strftime('%A %-d %B %H:%M')}:* {counts}"))
    if digest.quiet and totals.idea_count == 0:
        blocks.append(_section("A quiet week: the board has no ideas yet."))
    elif digest.quiet:
        blocks.append(_section("A quiet week: nothing new, and every idea has an answer."))

    if digest.show_ideas and digest.new_ideas:
        lines = [
            f"• {_idea_label(idea, permalinks)} · by {_author(idea)} · "
            f"{vote_label(idea.vote_count)}"
            for idea in digest.new_ideas
        ]
        more = activity.idea_count - len(digest.new_ideas)
        if more > 0:
            lines.append(f"…and {more} more.")
        blocks.append(_section("*New this week*\n" + "\n".join(lines)))

    if digest.show_ideas and digest.waiting_ideas:
        # One section per idea keeps each within Slack's 3,000-character section text limit.
        blocks.append(_section("*Waiting longest for your answer*"))
        for rank, idea in enumerate(digest.waiting_ideas, start=1):
            blocks.append(
                _section(
                    f"{rank}. {_idea_label(idea, permalinks)} · waiting "
                    f"{_day_label(idea.age_days)} · {vote_label(idea.vote_count)}"
                )
            )

    blocks.append(
        _section(
            f"*Since the board opened:* {_ideas_label(totals.idea_count)}, "
            f"{totals.answered_count} answered, {totals.waiting_count} waiting · "
            f"{vote_label(totals.vote_count)} · {comment_label(totals.comment_count)}"
        )
    )
    if not digest.show_ideas:
        blocks.append(_context(hidden_ideas_note(digest)))
    blocks.append(
        _context(
            f"This digest comes every {digest_schedule_label(board)} ({timezone.key} time)."
            + (f" {change_schedule}" if change_schedule else "")
        )
    )
    text = f"Your Shout weekly digest for {board_place(board)}: {counts} this week."
    return text, blocks


def board_archived_notice(board: BoardRecord) -> tuple[str, Blocks]:
    """Build the message telling a lead their board closed because its channel was archived."""
    text = (
        f"{board_place(board)} was archived, so its Your Shout board is now closed. "
        "Its ideas, votes and answers are kept, and no new ideas or votes can be added."
    )
    advice = (
        "To run the board again, unarchive the channel and send `/yourshout reopen` there, "
        "or start a board in another channel with `/yourshout start QUESTION`."
    )
    return text, [_section(text), _context(advice)]


def lead_departed_notice(board: BoardRecord) -> tuple[str, Blocks]:
    """Build the message telling a manager that a board's lead left and it needs a new one.

    It names the channel and the former lead only, never the question or
    ideas, because a private board's content is for its channel's members.
    The command it gives names the channel by id, so a manager who is not a
    member of a private channel can run it from any conversation with the bot.
    """
    text = (
        f"The Your Shout board in {board_place(board)} needs a new lead: its lead "
        f"<@{board.lead_id}> has left the organisation. The board still takes ideas and votes."
    )
    advice = (
        f"To name a new lead, send `/yourshout lead @person {board.channel_id}` from any "
        "conversation with the bot, such as this one, with @person picked from Slack's list."
    )
    return text, [_section(text), _context(advice)]
