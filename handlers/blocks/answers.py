"""Block Kit for a campaign's answer statistics: ideas answered, done, and the median wait."""

from __future__ import annotations

from typing import Any

from bot.core.records import AnswerStats


def format_days(days: float) -> str:
    """Return a number of days to one decimal place, such as "1 day" or "4.5 days"."""
    rounded = round(days, 1)
    text = f"{rounded:g}"
    return f"{text} day" if rounded == 1 else f"{text} days"


SLACK_HOW_TO_ANSWER = "Managers answer each idea from the status menu on its message."


def answers_text(stats: AnswerStats, *, how_to_answer: str = SLACK_HOW_TO_ANSWER) -> str:
    """Return one mrkdwn line: how many ideas have an answer, how many are done, how soon.

    how_to_answer ends the line when no idea has an answer yet.
    """
    if stats.idea_count == 0:
        return "*Answers:* the campaign has no ideas to answer."
    ideas = "1 idea" if stats.idea_count == 1 else f"{stats.idea_count} ideas"
    if stats.answered_count == 0:
        return f"*Answers:* none of the {ideas} has an answer yet. {how_to_answer}"
    share = round(100 * stats.answered_count / stats.idea_count)
    text = (
        f"*Answers:* {stats.answered_count} of {ideas} answered ({share}%), {stats.done_count} done"
    )
    if stats.median_days_to_answer is not None:
        text += f" · median {format_days(stats.median_days_to_answer)} to a first answer"
    return text


def answers_block(stats: AnswerStats) -> dict[str, Any]:
    """Build the section that shows a campaign's answer statistics."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": answers_text(stats)}}
