"""Block Kit for a campaign's final report, posted in its channel and sent to managers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.records import (
    CampaignReport,
    CampaignTotals,
    DayActivity,
    FairRankedIdea,
    SeriesComparison,
    TopicRanking,
)
from handlers.blocks.answers import answers_block
from handlers.blocks.campaigns import comment_label, format_totals
from handlers.blocks.ideas import vote_label
from handlers.blocks.participation import breakdown_blocks, small_group_note
from handlers.blocks.participation import totals_text as participation_totals_text
from handlers.mrkdwn import escape, excerpt, pack_lines

Blocks = list[dict[str, Any]]

# Slack's published limits: 50 blocks in a message, 3,000 characters in a
# section's text.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
EXCERPT_LENGTH = 140
# Sections of participation by group in the managers' copy, so the topics keep most of the room.
MAX_BREAKDOWN_BLOCKS = 12
# The header scripts such as the simulation look for to find the closing message.
REPORT_HEADER = "Campaign closed"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _short_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def totals_text(totals: CampaignTotals) -> str:
    """Return a report's totals in the fixed one-line form of format_totals."""
    return format_totals(
        idea_count=totals.idea_count,
        comment_count=totals.comment_count,
        vote_count=totals.vote_count,
        participant_count=totals.participant_count,
    )


def _busiest_days_text(days: tuple[DayActivity, ...]) -> str:
    entries = " · ".join(
        f"{_short_date(day.day)} (day {day.day_number}): {day.activity_count:,}" for day in days
    )
    return f"*Busiest days* (new ideas, comments and votes): {entries}"


def _comparison_text(comparison: SeriesComparison, totals: CampaignTotals) -> str:
    previous = comparison.previous_totals
    change = comparison.difference
    parts = [
        f"{label} {now:,} vs {before:,} ({difference:+,})"
        for label, now, before, difference in (
            ("ideas", totals.idea_count, previous.idea_count, change.idea_count),
            ("comments", totals.comment_count, previous.comment_count, change.comment_count),
            ("votes", totals.vote_count, previous.vote_count, change.vote_count),
            (
                "participants",
                totals.participant_count,
                previous.participant_count,
                change.participant_count,
            ),
        )
    ]
    title = escape(comparison.previous.title)
    return f"*Compared with {title}:* " + " · ".join(parts)


def _idea_line(idea: FairRankedIdea, *, permalinks: Mapping[int, str]) -> str:
    author = "Anonymous" if idea.anonymous else escape(idea.author_name or "A colleague")
    label = escape(excerpt(idea.text, length=EXCERPT_LENGTH))
    link = permalinks.get(idea.idea_id)
    linked_label = f"<{link}|{label}>" if link else label
    return (
        f"{idea.rank}. {linked_label} ({author}) · *{vote_label(idea.vote_count)}* · "
        f"{comment_label(idea.comment_count)} · posted day {idea.posted_day} "
        f"({idea.active_voter_count:,} {'voter' if idea.active_voter_count == 1 else 'voters'} "
        "active since)"
    )


def _topic_heading(topic: TopicRanking, *, number: int, has_topics: bool) -> str:
    if not has_topics:
        title = "*Top ideas*"
    elif topic.question is None:
        title = "*Not assigned to a topic*"
    else:
        title = f"*{number}. {escape(topic.question)}*"
    if topic.idea_count == 0:
        return f"{title}\nNo ideas were posted."
    shown_count = len(topic.top_ideas)
    ideas = "1 idea" if topic.idea_count == 1 else f"{topic.idea_count:,} ideas"
    if shown_count < topic.idea_count:
        return f"{title}\n{ideas}, top {shown_count} shown"
    return f"{title}\n{ideas}"


def _topic_blocks(
    topic: TopicRanking, *, number: int, has_topics: bool, permalinks: Mapping[int, str]
) -> Blocks:
    lines = [_topic_heading(topic, number=number, has_topics=has_topics)]
    lines.extend(_idea_line(idea, permalinks=permalinks) for idea in topic.top_ideas)
    texts = pack_lines(lines, limit=MAX_SECTION_TEXT)
    return [{"type": "divider"}, *(_section(text) for text in texts)]


def _participation_blocks(report: CampaignReport, *, by_group: bool) -> Blocks:
    """Return the participation totals, and with by_group the breakdown by each dimension.

    The channel's copy gets the totals only: a table of which directorates and
    bands took part least is for the managers, not a public league table.
    """
    participation = report.participation
    if participation is None:
        return []
    blocks: Blocks = [_section(f"*Who took part*\n{participation_totals_text(participation)}")]
    if by_group:
        breakdown = breakdown_blocks(participation, lowest_first=False)
        if len(breakdown) > MAX_BREAKDOWN_BLOCKS:
            breakdown = breakdown[: MAX_BREAKDOWN_BLOCKS - 1]
            breakdown.append(
                _section(
                    "More groups were left out to keep the topics in this message. "
                    "`/campaign report` or `staffvoice participation` shows them all."
                )
            )
        blocks.extend(breakdown)
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": small_group_note(participation)}],
            }
        )
    return blocks


def final_report_message(
    report: CampaignReport,
    *,
    permalinks: Mapping[int, str] | None = None,
    by_group: bool = False,
) -> tuple[str, Blocks]:
    """Build the final report message: (notification text, blocks) within Slack's limits.

    permalinks maps idea ids to message links, which the idea excerpts then
    link to. by_group adds participation by group, as in the managers' copy.
    Topics that do not fit in 50 blocks are left out, and a closing line
    states how many.
    """
    links = permalinks or {}
    timezone = ZoneInfo(report.timezone)
    campaign = report.campaign
    title = escape(campaign.title)
    starts = campaign.starts_at.astimezone(timezone).date()
    ends = campaign.ends_at.astimezone(timezone).date()
    totals = totals_text(report.totals)

    head: Blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": REPORT_HEADER}},
        _section(
            f"*{title}* has closed. Thank you to everyone who took part.\n"
            f"{_long_date(starts)} to {_long_date(ends)} · {totals}"
        ),
    ]
    if report.busiest_days:
        head.append(_section(_busiest_days_text(report.busiest_days)))
    if report.comparison is not None:
        head.append(_section(_comparison_text(report.comparison, report.totals)))
    if report.answers is not None:
        head.append(answers_block(report.answers))
    head.extend(_participation_blocks(report, by_group=by_group))
    method: Blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": report.method}]}]

    topic_blocks = [
        _topic_blocks(topic, number=number, has_topics=report.has_topics, permalinks=links)
        for number, topic in enumerate(report.topics, start=1)
    ]
    room = MAX_BLOCKS - len(head) - len(method)
    body: Blocks = [block for blocks in topic_blocks for block in blocks]
    if len(body) > room:
        # One block is kept for the line that states how many topics were left out.
        body = []
        topics_shown = 0
        for blocks in topic_blocks:
            if len(body) + len(blocks) > room - 1:
                break
            body.extend(blocks)
            topics_shown += 1
        left_out = len(topic_blocks) - topics_shown
        noun = "topic was" if left_out == 1 else "topics were"
        body.append(
            _section(
                f"{left_out} more {noun} left out because a Slack message holds at most "
                f"{MAX_BLOCKS} blocks."
            )
        )

    fallback = f"{title} has closed. Final report: {totals}"
    return fallback, head + body + method
