"""Block Kit of the announcement, the opening message and the creation confirmation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.campaigns import MAX_TITLE_LENGTH, MAX_TOPIC_LENGTH, MAX_TOPICS
from bot.core.records import CampaignRecord, TopicRecord
from handlers.blocks.announcement import (
    HEADER_LIMIT,
    announcement_message,
    created_confirmation,
    opening_message,
)
from handlers.blocks.topics import SECTION_LIMIT
from handlers.ids import AnnouncementIds

LONDON = ZoneInfo("Europe/London")


def campaign(*, title: str = "Spring ideas", topics: tuple[str, ...] = ()) -> CampaignRecord:
    return CampaignRecord(
        id=7,
        title=title,
        platform="slack",
        channel_id="C0IDEAS",
        # 09:00 GMT, then 09:00 BST after the clocks go forward on 28 March 2027.
        starts_at=datetime(2027, 3, 15, 9, 0, tzinfo=UTC),
        ends_at=datetime(2027, 4, 4, 8, 0, tzinfo=UTC),
        status="scheduled",
        topics=tuple(
            TopicRecord(id=number, position=number, question=question)
            for number, question in enumerate(topics, start=1)
        ),
    )


def section_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


def test_announcement_shows_local_times() -> None:
    text, blocks = announcement_message(campaign(), timezone=LONDON)

    assert "2027-03-15 09:00 GMT" in text
    assert "2027-04-04 09:00 BST" in text
    assert "<#C0IDEAS>" in section_texts(blocks)[0]


def test_announcement_escapes_user_text() -> None:
    text, blocks = announcement_message(
        campaign(title="<!channel> & co", topics=("Pay <@U123>?",)), timezone=LONDON
    )
    sections = "\n".join(section_texts(blocks))

    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; co" in sections
    assert "1. Pay &lt;@U123&gt;?" in sections
    assert blocks[0]["text"]["text"] == "Coming soon: <!channel> & co"


def test_announcement_button_carries_campaign_id() -> None:
    _, blocks = announcement_message(campaign(), timezone=LONDON)
    [actions] = [block for block in blocks if block["type"] == "actions"]
    [button] = actions["elements"]

    assert button["action_id"] == AnnouncementIds.REMIND_ACTION
    assert button["value"] == "7"


def test_long_content_within_slack_limits() -> None:
    topics = tuple(f"{number} " + "q" * (MAX_TOPIC_LENGTH - 3) for number in range(MAX_TOPICS))
    record = campaign(title="T" * MAX_TITLE_LENGTH, topics=topics)

    for _, blocks in (
        announcement_message(record, timezone=LONDON),
        opening_message(record, timezone=LONDON),
    ):
        assert len(blocks[0]["text"]["text"]) <= HEADER_LIMIT
        assert blocks[0]["text"]["text"].endswith("…")
        sections = section_texts(blocks)
        assert all(len(section) <= SECTION_LIMIT for section in sections)
        for question in topics:
            assert any(question in section for section in sections), question[:10]


def test_opening_message_links_channel() -> None:
    text, blocks = opening_message(campaign(topics=("What slows you down?",)), timezone=LONDON)
    sections = "\n".join(section_texts(blocks))

    assert text.startswith("Spring ideas is open now in <#C0IDEAS>")
    assert "1. What slows you down?" in sections
    assert "`/idea`" in sections


def test_confirmation_has_post_button() -> None:
    blocks = created_confirmation("Campaign 7 is scheduled.", campaign=campaign())
    [actions] = [block for block in blocks if block["type"] == "actions"]
    [button] = actions["elements"]

    assert button["action_id"] == AnnouncementIds.POST_ACTION
    assert button["value"] == "7"
    assert "`/campaign announce 7`" in blocks[-1]["elements"][0]["text"]
