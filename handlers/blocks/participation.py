"""Block Kit for the participation report: who took part, overall and by group.

The report record has small groups folded into "Other groups" already, so
these builders show every group they are given and never look one up.
"""

from __future__ import annotations

from typing import Any

from bot.core.participation_records import (
    NOT_IN_DIRECTORY,
    OTHER_GROUPS,
    DimensionBreakdown,
    GroupParticipation,
    ParticipationReport,
)
from handlers.mrkdwn import escape, pack_lines

Blocks = list[dict[str, Any]]

# Slack's published limits: 50 blocks in a message, 3,000 characters in a
# section's text, 150 characters in a header.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
STAFF_IMPORT_HINT = (
    "No staff list is loaded, so there are no headcounts or groups to compare with. "
    "Load one with `staffvoice staff import FILE.csv`."
)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count:,} people"


def _count(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def small_group_note(report: ParticipationReport) -> str:
    """Return the sentences that explain "Other groups" and how anonymous ideas count."""
    return (
        f"Groups of fewer than {report.min_group_size} people are counted only within "
        f"{OTHER_GROUPS}, so no one can be singled out. Anonymous ideas count in the idea totals "
        "but not as people, because their authors are not stored. Groups are as they were at "
        "each person's first contribution."
    )


def totals_text(report: ParticipationReport) -> str:
    """Return the report's totals in two or three sentences of mrkdwn."""
    if report.headcount is None:
        took_part = f"*{_people(report.participants)} took part.*"
    else:
        took_part = (
            f"*{report.participants_in_directory:,} of {report.headcount:,} staff took part "
            f"({_percent(report.rate)}).*"
        )
        outside = report.participants - report.participants_in_directory - report.offline_ideas
        if outside:
            took_part += f" {_people(outside)} not on the staff list also took part."
    activity = (
        f"{_people(report.posted)} posted ideas, {report.commented:,} commented and "
        f"{report.only_voted:,} only voted."
    )
    extras = []
    if report.anonymous_ideas:
        extras.append(_count(report.anonymous_ideas, "anonymous idea"))
    if report.offline_ideas:
        which = (
            "The idea from paper or email counts"
            if report.offline_ideas == 1
            else f"Each of the {report.offline_ideas:,} ideas from paper or email counts"
        )
        took_part += (
            f" {which} as one more person who took part, under the groups the form gave, but "
            "not in the rates: it cannot be matched to anyone on the staff list."
        )
    extra = f" Also {' and '.join(extras)}." if extras else ""
    return f"{took_part}\n{activity}{extra}"


def _group_line(group: GroupParticipation) -> str:
    if group.name == NOT_IN_DIRECTORY:
        figures = f"{_people(group.participants)} took part"
    else:
        listed = group.participants - group.not_in_directory - group.offline
        figures = f"{listed:,} of {group.headcount:,} ({_percent(group.rate)})"
        if group.not_in_directory:
            figures += f", and {_people(group.not_in_directory)} not on the staff list"
        if group.offline:
            figures += f", and {_count(group.offline, 'idea')} from paper or email"
    anonymous = (
        f" · {_count(group.anonymous_ideas, 'anonymous idea')}" if group.anonymous_ideas else ""
    )
    return f"• {escape(group.name)}: {figures}{anonymous}"


def ordered_groups(
    breakdown: DimensionBreakdown, *, lowest_first: bool
) -> list[GroupParticipation]:
    """Return a dimension's groups, lowest rate first if asked, with the two catch-alls last."""
    named = [g for g in breakdown.groups if g.name not in (OTHER_GROUPS, NOT_IN_DIRECTORY)]
    catch_alls = [g for g in breakdown.groups if g.name in (OTHER_GROUPS, NOT_IN_DIRECTORY)]
    if lowest_first:
        named.sort(key=lambda group: (group.rate if group.rate is not None else 2.0, group.name))
    return named + catch_alls


def breakdown_blocks(report: ParticipationReport, *, lowest_first: bool) -> Blocks:
    """Return one or more sections per dimension listing its groups, or none without a list."""
    if report.headcount is None:
        return []
    blocks: Blocks = []
    for breakdown in report.dimensions:
        if not breakdown.groups:
            continue
        lines = [f"*{escape(breakdown.label)}*"]
        lines.extend(
            _group_line(group) for group in ordered_groups(breakdown, lowest_first=lowest_first)
        )
        blocks.extend(_section(text) for text in pack_lines(lines, limit=MAX_SECTION_TEXT))
    return blocks


def participation_message(
    report: ParticipationReport, *, live: bool, note: str | None = None
) -> tuple[str, Blocks]:
    """Build the private reply to /campaign report: (notification text, blocks).

    live shows the groups lowest rate first against today's staff list; a
    closed campaign's final figures list them by name. note is a line such as
    which campaign was chosen. Sections beyond Slack's 50 blocks are left out,
    and a closing line states how many.
    """
    title = f"Participation: {report.title}"
    if len(title) > MAX_HEADER_TEXT:
        title = title[: MAX_HEADER_TEXT - 1] + "…"
    head: Blocks = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    if note:
        head.append(_section(note))
    if live:
        status = "Live figures against today's staff list, lowest participation first."
    elif report.headcount_taken_at is not None:
        status = "Final figures, against the staff list as it was at the close."
    else:
        status = "Final figures, against today's staff list."
    head.append(_section(f"{status}\n{totals_text(report)}"))
    if report.headcount is None:
        head.append(_section(STAFF_IMPORT_HINT))
    tail: Blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": small_group_note(report)}]}
    ]
    body = breakdown_blocks(report, lowest_first=live)
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(body) > room:
        left_out = len(body) - (room - 1)
        body = body[: room - 1]
        body.append(
            _section(
                f"{left_out} more {'section was' if left_out == 1 else 'sections were'} left out "
                f"because a Slack message holds at most {MAX_BLOCKS} blocks. "
                "`staffvoice participation` prints the whole report."
            )
        )
    fallback = f"Participation in {escape(report.title)}: " + totals_text(report).replace("*", "")
    return fallback.replace("\n", " "), head + body + tail
