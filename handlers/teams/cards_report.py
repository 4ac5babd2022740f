"""The Adaptive Card of a campaign's final report, cut to fit Teams' card size limit."""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from bot.core.participation_records import (
    NOT_IN_DIRECTORY,
    DimensionBreakdown,
    GroupParticipation,
    ParticipationReport,
)
from bot.core.records import CampaignReport, FairRankedIdea, SeriesComparison, TopicRanking
from handlers.blocks.answers import answers_text
from handlers.blocks.campaigns import comment_label
from handlers.blocks.ideas import vote_label
from handlers.blocks.participation import ordered_groups, small_group_note
from handlers.blocks.participation import totals_text as participation_totals_text
from handlers.blocks.report import REPORT_HEADER, totals_text
from handlers.mrkdwn import excerpt
from handlers.teams.cards import (
    MAX_CARD_BYTES,
    Card,
    Element,
    adaptive_card,
    card_size,
    plain_text,
    rich_text,
    text_block,
    text_run,
)

logger = logging.getLogger(__name__)

EXCERPT_LENGTH = 140
# When the whole report does not fit, each try shows k top ideas per topic and
# GROUPS_PER_IDEA * k groups per dimension, for k from the longest ranking down to 0.
GROUPS_PER_IDEA = 3
SIZE_REASON = "to keep this card within Teams' size limit"

# The end of the answers line when no idea has an answer yet.
TEAMS_HOW_TO_ANSWER = "Managers answer an idea by sending the bot status and its number."


def _short_date(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _strip_bold(mrkdwn: str) -> str:
    """Return a Slack mrkdwn text of the report helpers without its * bold marks.

    The participation and answer texts hold numbers and fixed words only, so *
    is their only markup.
    """
    return mrkdwn.replace("*", "")


def _lines(text: str, *, spacing: str | None = "small") -> list[Element]:
    return [plain_text(line, spacing=spacing) for line in text.split("\n") if line]


def _comparison(comparison: SeriesComparison, report: CampaignReport) -> Element:
    totals = report.totals
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
    return rich_text(
        text_run(f"Compared with {comparison.previous.title}: ", weight="bolder"),
        text_run(" · ".join(parts)),
    )


def _head(report: CampaignReport) -> list[Element]:
    timezone = ZoneInfo(report.timezone)
    campaign = report.campaign
    starts = campaign.starts_at.astimezone(timezone).date()
    ends = campaign.ends_at.astimezone(timezone).date()
    head: list[Element] = [
        text_block(REPORT_HEADER, weight="bolder", size="large"),
        rich_text(
            text_run(campaign.title, weight="bolder"),
            text_run(" has closed. Thank you to everyone who took part."),
        ),
        # The totals keep the fixed form of format_totals, which scripts parse.
        text_block(f"{_long_date(starts)} to {_long_date(ends)} · {totals_text(report.totals)}"),
    ]
    if report.busiest_days:
        entries = " · ".join(
            f"{_short_date(day.day)} (day {day.day_number}): {day.activity_count:,}"
            for day in report.busiest_days
        )
        head.append(text_block(f"**Busiest days** (new ideas, comments and votes): {entries}"))
    if report.comparison is not None:
        head.append(_comparison(report.comparison, report))
    if report.answers is not None:
        answers = answers_text(report.answers, how_to_answer=TEAMS_HOW_TO_ANSWER)
        head.append(plain_text(_strip_bold(answers)))
    return head


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count:,} people"


def _group_line(group: GroupParticipation) -> str:
    if group.name == NOT_IN_DIRECTORY:
        figures = f"{_people(group.participants)} took part"
    else:
        listed = group.participants - group.not_in_directory - group.offline
        figures = f"{listed:,} of {group.headcount:,} ({_percent(group.rate)})"
        if group.not_in_directory:
            figures += f", and {_people(group.not_in_directory)} not on the staff list"
        if group.offline:
            figures += f", and {_plural(group.offline, 'idea')} from paper or email"
    anonymous = (
        f" · {_plural(group.anonymous_ideas, 'anonymous idea')}" if group.anonymous_ideas else ""
    )
    return f"• {group.name}: {figures}{anonymous}"


def _dimension(
    breakdown: DimensionBreakdown, *, campaign_id: int, max_groups: int | None
) -> list[Element]:
    groups = ordered_groups(breakdown, lowest_first=False)
    shown_groups = groups if max_groups is None else groups[:max_groups]
    elements = [plain_text(breakdown.label, weight="bolder")]
    elements.extend(plain_text(_group_line(group), spacing="none") for group in shown_groups)
    left_out = len(groups) - len(shown_groups)
    if left_out:
        if shown_groups:
            cut = f"and {_plural(left_out, 'more group')}, left out {SIZE_REASON}."
        else:
            groups_cut = "Its group was" if left_out == 1 else f"Its {left_out:,} groups were"
            cut = f"{groups_cut} left out {SIZE_REASON}."
        elements.append(
            plain_text(
                f"{cut} staffvoice participation --campaign {campaign_id} prints them all.",
                subtle=True,
                spacing="none",
            )
        )
    return elements


def _participation(
    participation: ParticipationReport,
    *,
    campaign_id: int,
    by_group: bool,
    max_groups: int | None,
) -> list[Element]:
    """Return the participation totals, and with by_group each dimension's groups.

    The core folds groups smaller than the small-group size into Other groups,
    so every group given is shown under its own name.
    """
    elements: list[Element] = [text_block("Who took part", weight="bolder")]
    elements.extend(_lines(_strip_bold(participation_totals_text(participation))))
    if not by_group or participation.headcount is None:
        return elements
    for breakdown in participation.dimensions:
        if breakdown.groups:
            elements.extend(_dimension(breakdown, campaign_id=campaign_id, max_groups=max_groups))
    elements.append(plain_text(small_group_note(participation), subtle=True))
    return elements


def _idea_line(idea: FairRankedIdea) -> str:
    author = "Anonymous" if idea.anonymous else idea.author_name or "A colleague"
    voters = "voter" if idea.active_voter_count == 1 else "voters"
    return (
        f"{idea.rank}. {excerpt(idea.text, length=EXCERPT_LENGTH)} ({author}) · "
        f"{vote_label(idea.vote_count)} · {comment_label(idea.comment_count)} · "
        f"posted day {idea.posted_day} ({idea.active_voter_count:,} {voters} active since)"
    )


def _topic(
    topic: TopicRanking, *, number: int, has_topics: bool, max_ideas: int | None
) -> list[Element]:
    if not has_topics:
        title = "Top ideas"
    elif topic.question is None:
        title = "Not assigned to a topic"
    else:
        title = f"{number}. {topic.question}"
    heading = plain_text(title, weight="bolder")
    heading["separator"] = True
    elements: list[Element] = [heading]
    if topic.idea_count == 0:
        elements.append(plain_text("No ideas were posted.", spacing="none"))
        return elements
    ranked = topic.top_ideas
    shown_ideas = ranked if max_ideas is None else ranked[:max_ideas]
    ideas = _plural(topic.idea_count, "idea")
    if shown_ideas and len(shown_ideas) < topic.idea_count:
        ideas += f", top {len(shown_ideas)} shown"
    elements.append(plain_text(ideas, subtle=True, spacing="none"))
    elements.extend(plain_text(_idea_line(idea), spacing="small") for idea in shown_ideas)
    left_out = len(ranked) - len(shown_ideas)
    if left_out:
        if shown_ideas:
            cut = f"and {_plural(left_out, 'more top idea')}, left out {SIZE_REASON}."
        else:
            top = "idea was" if left_out == 1 else f"{left_out} ideas were"
            cut = f"Its top {top} left out {SIZE_REASON}."
        elements.append(plain_text(cut, subtle=True, spacing="none"))
    return elements


def _build(
    report: CampaignReport,
    *,
    by_group: bool,
    max_ideas: int | None,
    max_groups: int | None,
    topic_count: int,
) -> Card:
    body = _head(report)
    if report.participation is not None:
        body.extend(
            _participation(
                report.participation,
                campaign_id=report.campaign.id,
                by_group=by_group,
                max_groups=max_groups,
            )
        )
    for number, topic in enumerate(report.topics[:topic_count], start=1):
        body.extend(_topic(topic, number=number, has_topics=report.has_topics, max_ideas=max_ideas))
    left_out = len(report.topics) - topic_count
    if left_out:
        noun = "topic was" if left_out == 1 else "topics were"
        body.append(plain_text(f"{left_out} more {noun} left out {SIZE_REASON}.", subtle=True))
    body.append(plain_text(report.method, subtle=True))
    return adaptive_card(body)


def report_card(report: CampaignReport, *, by_group: bool = True) -> Card:
    """Build the final report card: totals, busiest days, comparison, answers, people, topics.

    by_group adds participation by group, for managers. The report record has
    small groups folded in already, and the card shows what it holds. When the
    card would pass MAX_CARD_BYTES, it shows fewer top ideas per topic and groups
    per dimension, then leaves out topics from the end, and says what it left out.
    """
    longest = max((len(topic.top_ideas) for topic in report.topics), default=0)
    levels: list[tuple[int | None, int | None]] = [(None, None)]
    levels.extend((count, GROUPS_PER_IDEA * count) for count in range(longest, -1, -1))
    for max_ideas, max_groups in levels:
        card = _build(
            report,
            by_group=by_group,
            max_ideas=max_ideas,
            max_groups=max_groups,
            topic_count=len(report.topics),
        )
        if card_size(card) <= MAX_CARD_BYTES:
            return card
    for topic_count in range(len(report.topics) - 1, -1, -1):
        card = _build(report, by_group=by_group, max_ideas=0, max_groups=0, topic_count=topic_count)
        if card_size(card) <= MAX_CARD_BYTES:
            return card
    logger.warning(
        "Report card of campaign %s is %s bytes even without topics, over the %s-byte limit",
        report.campaign.id,
        card_size(card),
        MAX_CARD_BYTES,
    )
    return card
