"""Block Kit of the App Home tab: sections, failures, the buttons and menus, and the block limit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import home
from bot.core.home import (
    AwaitingIdea,
    AwaitingIdeas,
    HomeBoard,
    HomeCampaign,
    HomeContent,
    LastReport,
    ModerationSection,
    OwnIdea,
    OwnIdeas,
    ReceivedThanks,
    ThanksReceived,
)
from bot.core.moderation import ItemRef, ModeratedItem, QueueEntry
from bot.core.records import Person
from handlers.blocks.home import MAX_BLOCKS, SECTION_FAILED, home_view
from handlers.ids import HomeIds, ModerationIds, StatusIds, ThanksIds

LONDON = ZoneInfo("Europe/London")
WHEN = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
PERSON = Person("slack", "T1", "UANN")


def campaign(number: int, *, questions: int = 2) -> HomeCampaign:
    return HomeCampaign(
        id=number,
        title=f"Campaign <{number}>",
        channel_id=f"C{number}",
        ends_at=WHEN,
        questions=tuple(f"Question {index}" for index in range(questions)),
    )


def board(number: int) -> HomeBoard:
    return HomeBoard(
        id=number, channel_id=f"C9{number}", channel_name=None, question="Why?", private=False
    )


def own_idea(number: int, *, anonymous: bool = False) -> OwnIdea:
    return OwnIdea(
        id=number,
        text=f"Idea & {number}",
        anonymous=anonymous,
        created_at=WHEN,
        status="planned",
        status_label="Planned",
        reply="From March",
        owner="Estates",
        campaign_id=1,
        campaign_title="Winter",
        board_id=None,
        board_channel_id=None,
        channel_id="C1",
        message_id="1.0",
    )


def queue_entry(number: int) -> QueueEntry:
    item = ModeratedItem(
        ref=ItemRef("idea", number),
        idea_id=number,
        text="Reported text",
        anonymous=False,
        campaign_id=1,
        board_id=None,
        channel_id="C1",
        message_id=f"{number}.0",
        thread_id=None,
        hidden=False,
        deleted=False,
    )
    return QueueEntry(item=item, first_at=WHEN, sources=("report",), reasons=("Rude",),
                      report_count=1)  # fmt: skip


def awaiting(number: int) -> AwaitingIdea:
    return AwaitingIdea(
        id=number,
        text="Waiting idea",
        anonymous=number % 2 == 0,
        author_name="Bob",
        campaign_id=1,
        campaign_title="Winter",
        vote_count=3,
        comment_count=1,
        channel_id="C1",
        message_id="1.0",
    )


def full_content(*, campaigns: int = 3, boards: int = 4, queue: int = 5) -> HomeContent:
    """A manager's content with every section filled to its limit."""
    return HomeContent(
        person=PERSON,
        is_manager=True,
        campaigns=tuple(campaign(number) for number in range(1, campaigns + 1)),
        boards=tuple(board(number) for number in range(1, boards + 1)),
        own_ideas=OwnIdeas(
            ideas=tuple(own_idea(number) for number in range(home.OWN_IDEAS_LIMIT)), total=40
        ),
        thanks=ThanksReceived(
            latest=(ReceivedThanks(id=1, giver_id="UBOB", message="Cheers", created_at=WHEN),),
            total=7,
        ),
        moderation=ModerationSection(
            entries=tuple(queue_entry(number) for number in range(1, queue + 1)), total=12
        ),
        last_report=LastReport(
            campaign_id=4,
            title="Autumn",
            closed_at=WHEN,
            participants=120,
            headcount=3000,
            rate=0.04,
            ideas=45,
            answered=30,
        ),
        awaiting=AwaitingIdeas(
            ideas=tuple(awaiting(number) for number in range(1, home.AWAITING_LIMIT + 1)),
            total=9,
            campaign_ideas=20,
        ),
    )


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def action_ids(view: dict[str, Any]) -> list[str]:
    found = []
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if "action_id" in element:
                found.append(element["action_id"])
        accessory = block.get("accessory")
        if accessory and "action_id" in accessory:
            found.append(accessory["action_id"])
    return found


def test_staff_view_sections() -> None:
    content = HomeContent(
        person=PERSON,
        is_manager=False,
        campaigns=(campaign(1),),
        boards=(board(1),),
        own_ideas=OwnIdeas(ideas=(own_idea(5, anonymous=True),), total=1),
        thanks=ThanksReceived(latest=(), total=0),
    )

    view = home_view(content, timezone=LONDON)

    assert view["type"] == "home"
    body = texts(view)
    assert "Campaign &lt;1&gt;" in body
    assert "<#C1>" in body
    assert "/idea" in body
    assert "<#C91>" in body
    assert "posted anonymously: only you see it listed here" in body
    assert "Owner: Estates" in body
    assert "Idea &amp; 5" in body
    assert "For engagement managers" not in body
    assert action_ids(view) == [ThanksIds.OPEN_ACTION]


def test_manager_view_within_limit() -> None:
    view = home_view(full_content(), timezone=LONDON)

    assert len(view["blocks"]) <= MAX_BLOCKS
    ids = action_ids(view)
    assert ids.count(ModerationIds.HIDE_ACTION) == 5
    assert ids.count(HomeIds.STATUS_MENU_ACTION) == home.AWAITING_LIMIT
    assert StatusIds.MENU_ACTION not in ids
    body = texts(view)
    assert "12 item(s) waiting" in body
    assert "4.0% of the 3,000 staff" in body
    assert "45 ideas, of which 30 answered" in body
    assert "9 ideas waiting" in body


def test_huge_lists_cut_to_limit() -> None:
    content = full_content(campaigns=300, boards=500, queue=60)

    view = home_view(content, timezone=LONDON)

    assert len(view["blocks"]) <= MAX_BLOCKS
    assert "…and 295 more open campaigns." in texts(view)
    assert "…and 490 more boards." in texts(view)


def test_failed_sections_shown_as_such() -> None:
    content = HomeContent(
        person=PERSON,
        is_manager=True,
        campaigns=None,
        boards=(board(1),),
        own_ideas=None,
        thanks=ThanksReceived(latest=(), total=0),
        moderation=None,
        last_report=None,
        awaiting=AwaitingIdeas(ideas=(), total=0, campaign_ideas=3),
        failed=(home.CAMPAIGNS, home.OWN_IDEAS, home.MODERATION),
    )

    view = home_view(content, timezone=LONDON)

    body = texts(view)
    assert body.count(SECTION_FAILED) == 3
    assert "<#C91>" in body
    assert "No campaign has closed yet" in body
    assert "Every campaign idea has an answer." in body


def test_no_campaign_ideas_not_called_answered() -> None:
    content = replace(full_content(), awaiting=AwaitingIdeas(ideas=(), total=0, campaign_ideas=0))

    body = texts(home_view(content, timezone=LONDON))

    assert "No campaign has any ideas yet, so none is waiting for an answer." in body
    assert "Every campaign idea has an answer." not in body


def test_notice_comes_first() -> None:
    notice = [{"type": "section", "text": {"type": "mrkdwn", "text": "Idea 3 is hidden."}}]

    view = home_view(full_content(), timezone=LONDON, notice=notice)

    assert view["blocks"][0] == notice[0]
    assert len(view["blocks"]) <= MAX_BLOCKS
