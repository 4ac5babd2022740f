"""Block Kit of the App Home tab: each section of the core's HomeContent, in one home view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import home
from bot.core.home import (
    AwaitingIdea,
    HomeBoard,
    HomeCampaign,
    HomeContent,
    LastReport,
    OwnIdea,
    ReceivedThanks,
)
from bot.core.moderation import ItemRef
from handlers.blocks.moderation import queue_message
from handlers.blocks.statuses import status_menu
from handlers.blocks.thanks import person
from handlers.ids import HomeIds, ThanksIds
from handlers.mrkdwn import escape, excerpt, pack_lines

Blocks = list[dict[str, Any]]

# A Home tab view holds at most 100 blocks (Block Kit reference, Home tab views).
MAX_BLOCKS = 100
# The maximum campaigns and boards listed. A line under the list counts the rest.
MAX_CAMPAIGNS = 5
MAX_BOARDS = 10
MAX_QUESTIONS = 3
EXCERPT_LENGTH = 200

SECTION_FAILED = (
    "This part could not be loaded just now. Open the Home tab again to try again; "
    "the error is logged for the administrators."
)
LEFT_OUT = "Some of this page was left out to stay within Slack's limit of 100 blocks."


def _header(text: str) -> dict[str, Any]:
    # A header block's text is plain text of at most 150 characters.
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def _date(moment: datetime, timezone: ZoneInfo) -> str:
    """Return a Slack date token, shown in the reader's time zone, with a local-date fallback."""
    local = moment.astimezone(timezone)
    fallback = f"{local.day} {local:%B %Y}"
    return f"<!date^{int(moment.timestamp())}^{{date_long_pretty}}|{fallback}>"


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def notice_blocks(text: str) -> Blocks:
    """Build a one-line notice for the top of the Home tab."""
    return [_section(text)]


def home_status_menu(idea_id: int) -> dict[str, Any]:
    """Build the status menu of idea messages with the Home tab's own action id.

    The Home tab's listener opens the same status modal as the idea message's
    menu, and republishes the Home tab once the answer is saved.
    """
    menu = status_menu(idea_id)
    menu["action_id"] = HomeIds.STATUS_MENU_ACTION.value
    return menu


def home_view(
    content: HomeContent,
    *,
    timezone: ZoneInfo,
    links: Mapping[ItemRef, str | None] | None = None,
    notice: Blocks | None = None,
) -> dict[str, Any]:
    """Build the Home tab view of one person from what the core read.

    links contains the permalinks of the moderation queue's items. notice
    contains blocks shown first, such as the confirmation of a moderation action.
    """
    blocks: Blocks = list(notice or [])
    blocks.extend(_campaign_blocks(content, timezone))
    blocks.extend(_board_blocks(content))
    blocks.extend(_own_idea_blocks(content, timezone))
    blocks.extend(_thanks_blocks(content, timezone))
    if content.is_manager:
        blocks.extend(_manager_blocks(content, timezone, links or {}))
    elif home.ROLE in content.failed:
        blocks.append(_context(SECTION_FAILED))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], _context(LEFT_OUT)]
    return {"type": "home", "blocks": blocks}


def _campaign_line(campaign: HomeCampaign, timezone: ZoneInfo) -> str:
    lines = [
        f"*{escape(campaign.title)}* in <#{campaign.channel_id}> · "
        f"closes {_date(campaign.ends_at, timezone)}"
    ]
    for number, question in enumerate(campaign.questions[:MAX_QUESTIONS], start=1):
        lines.append(f"{number}. {escape(excerpt(question, length=150))}")
    if len(campaign.questions) > MAX_QUESTIONS:
        lines.append(f"…and {len(campaign.questions) - MAX_QUESTIONS} more questions")
    lines.append(
        f"To take part, send `/idea` followed by your idea in <#{campaign.channel_id}>, "
        "or `/idea` alone for the form."
    )
    return "\n".join(lines)


def _campaign_blocks(content: HomeContent, timezone: ZoneInfo) -> Blocks:
    blocks: Blocks = [_header("Open campaigns")]
    if home.CAMPAIGNS in content.failed or content.campaigns is None:
        return [*blocks, _context(SECTION_FAILED)]
    if not content.campaigns:
        return [*blocks, _context("No campaign is open just now.")]
    for campaign in content.campaigns[:MAX_CAMPAIGNS]:
        blocks.append(_section(_campaign_line(campaign, timezone)))
    if len(content.campaigns) > MAX_CAMPAIGNS:
        hidden = len(content.campaigns) - MAX_CAMPAIGNS
        blocks.append(_context(f"…and {_plural(hidden, 'more open campaign')}."))
    return blocks


def _board_line(board: HomeBoard) -> str:
    private = " (private channel)" if board.private else ""
    return f"<#{board.channel_id}>{private}: {escape(excerpt(board.question, length=150))}"


def _board_blocks(content: HomeContent) -> Blocks:
    blocks: Blocks = [_header("Your Shout boards")]
    if home.BOARDS in content.failed or content.boards is None:
        return [*blocks, _context(SECTION_FAILED)]
    if not content.boards:
        return [*blocks, _context("No Your Shout board is open just now.")]
    lines = [_board_line(board) for board in content.boards[:MAX_BOARDS]]
    if len(content.boards) > MAX_BOARDS:
        lines.append(f"…and {_plural(len(content.boards) - MAX_BOARDS, 'more board')}.")
    blocks.extend(_section(text) for text in pack_lines(lines))
    blocks.append(_context("Send `/idea` followed by your idea in a board's channel to answer it."))
    return blocks


def _own_idea_text(idea: OwnIdea, timezone: ZoneInfo) -> str:
    if idea.campaign_title is not None:
        place = f" in {escape(idea.campaign_title)}"
    elif idea.board_channel_id is not None:
        place = f" on the board of <#{idea.board_channel_id}>"
    else:
        place = " in the standing ideas list"
    heading = f"*Idea {idea.id}*{place} · {_date(idea.created_at, timezone)}"
    if idea.anonymous:
        heading += " · _posted anonymously: only you see it listed here_"
    answer = f"Status: *{escape(idea.status_label)}*"
    if idea.owner:
        answer += f" · Owner: {escape(idea.owner)}"
    lines = [heading, f"> {escape(excerpt(idea.text, length=EXCERPT_LENGTH))}", answer]
    if idea.reply:
        lines.append(f"Reply: {escape(excerpt(idea.reply, length=500))}")
    return "\n".join(lines)


def _own_idea_blocks(content: HomeContent, timezone: ZoneInfo) -> Blocks:
    blocks: Blocks = [_header("Your ideas")]
    own = content.own_ideas
    if home.OWN_IDEAS in content.failed or own is None:
        return [*blocks, _context(SECTION_FAILED)]
    if own.total == 0:
        return [
            *blocks,
            _context("You have not posted an idea yet. Send `/idea` followed by your idea."),
        ]
    listed = len(own.ideas)
    summary = f"You have posted {_plural(own.total, 'idea')}"
    summary += f"; the latest {listed} are below." if own.total > listed else "."
    blocks.append(_context(summary))
    blocks.extend(_section(_own_idea_text(idea, timezone)) for idea in own.ideas)
    return blocks


def _thanks_line(card: ReceivedThanks, timezone: ZoneInfo) -> str:
    return (
        f"From {person(card.giver_id)} on {_date(card.created_at, timezone)}: "
        f"_{escape(excerpt(card.message, length=150))}_"
    )


def _thanks_blocks(content: HomeContent, timezone: ZoneInfo) -> Blocks:
    blocks: Blocks = [_header("Thanks received")]
    thanks = content.thanks
    if home.THANKS in content.failed or thanks is None:
        blocks.append(_context(SECTION_FAILED))
    elif thanks.total == 0:
        blocks.append(_context("Nobody has thanked you with a card yet."))
    else:
        lines = [f"You have received {_plural(thanks.total, 'thank-you card')}."]
        lines.extend(_thanks_line(card, timezone) for card in thanks.latest)
        blocks.extend(_section(text) for text in pack_lines(lines))
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ThanksIds.OPEN_ACTION.value,
                    "text": {"type": "plain_text", "text": "Thank a colleague"},
                    "value": "home",
                }
            ],
        }
    )
    return blocks


def _manager_blocks(
    content: HomeContent, timezone: ZoneInfo, links: Mapping[ItemRef, str | None]
) -> Blocks:
    blocks: Blocks = [{"type": "divider"}, _header("For engagement managers")]
    blocks.extend(_moderation_blocks(content, links))
    blocks.extend(_report_blocks(content, timezone))
    blocks.extend(_awaiting_blocks(content))
    return blocks


def _moderation_blocks(content: HomeContent, links: Mapping[ItemRef, str | None]) -> Blocks:
    section = content.moderation
    if home.MODERATION in content.failed or section is None:
        return [_section("*Moderation queue*"), _context(SECTION_FAILED)]
    _, blocks = queue_message(section.entries, links=links, total=section.total)
    if section.total > len(section.entries):
        blocks.append(
            _context(
                f"The oldest {len(section.entries)} are shown here. "
                "Send `/campaign moderate` to see more."
            )
        )
    return blocks


def _report_text(report: LastReport, timezone: ZoneInfo) -> str:
    if report.headcount is not None and report.rate is not None:
        took_part = (
            f"{_plural(report.participants, 'person', 'people')} took part by name, "
            f"{report.rate:.1%} of the {report.headcount:,} staff on the list."
        )
    else:
        took_part = (
            f"{_plural(report.participants, 'person', 'people')} took part by name. "
            "No staff list was loaded, so there is no participation rate."
        )
    return "\n".join(
        [
            f"*Last report: {escape(report.title)}* (campaign {report.campaign_id}), "
            f"closed {_date(report.closed_at, timezone)}",
            took_part,
            f"{_plural(report.ideas, 'idea')}, of which {report.answered:,} answered.",
            f"Send `/campaign report {report.campaign_id}` for participation by group.",
        ]
    )


def _report_blocks(content: HomeContent, timezone: ZoneInfo) -> Blocks:
    if home.LAST_REPORT in content.failed:
        return [{"type": "divider"}, _section("*Last report*"), _context(SECTION_FAILED)]
    if content.last_report is None:
        return [{"type": "divider"}, _context("No campaign has closed yet, so there is no report.")]
    return [{"type": "divider"}, _section(_report_text(content.last_report, timezone))]


def _awaiting_text(idea: AwaitingIdea) -> str:
    author = "Anonymous" if idea.anonymous else escape(idea.author_name or "Unknown")
    where = f"<#{idea.channel_id}>" if idea.channel_id else "not posted yet"
    return (
        f"*Idea {idea.id}* in {escape(idea.campaign_title)} ({where}) · by {author} · "
        f"{_plural(idea.vote_count, 'vote')} · {_plural(idea.comment_count, 'comment')}\n"
        f"> {escape(excerpt(idea.text, length=EXCERPT_LENGTH))}"
    )


NO_CAMPAIGN_IDEAS = "No campaign has any ideas yet, so none is waiting for an answer."


def _awaiting_blocks(content: HomeContent) -> Blocks:
    blocks: Blocks = [{"type": "divider"}, _section("*Campaign ideas waiting for an answer*")]
    awaiting = content.awaiting
    if home.AWAITING in content.failed or awaiting is None:
        return [*blocks, _context(SECTION_FAILED)]
    if awaiting.campaign_ideas == 0:
        return [*blocks, _context(NO_CAMPAIGN_IDEAS)]
    if awaiting.total == 0:
        return [*blocks, _context("Every campaign idea has an answer.")]
    listed = len(awaiting.ideas)
    summary = f"{_plural(awaiting.total, 'idea')} waiting"
    summary += f"; the {listed} with the most votes are below." if awaiting.total > listed else "."
    blocks.append(_context(f"{summary} Pick a status from an idea's ⋯ menu to answer it."))
    for idea in awaiting.ideas:
        block = _section(_awaiting_text(idea))
        block["accessory"] = home_status_menu(idea.id)
        blocks.append(block)
    return blocks
