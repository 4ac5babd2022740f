"""Tests of the "You said, we did" Block Kit: Slack's limits, cutting long lists, links."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.records import CampaignRecord
from bot.core.yousaid import StatusGroup, UpdateIdea, YouSaidDraft
from handlers.blocks import yousaid as yousaid_blocks
from handlers.blocks.yousaid import (
    MAX_BLOCKS,
    MAX_LISTED_IDEAS,
    MAX_SECTION_TEXT,
    listed_ideas,
    preview,
    update_message,
)
from handlers.message_links import MessageLinks, archive_base

LONDON = ZoneInfo("Europe/London")
CAMPAIGN = CampaignRecord(
    id=3,
    title="Winter ideas",
    platform="slack",
    channel_id="C0IDEAS",
    starts_at=datetime(2027, 1, 4, 9, tzinfo=UTC),
    ends_at=datetime(2027, 1, 24, 9, tzinfo=UTC),
    status="closed",
)


def make_idea(idea_id: int, status: str, *, reply: str | None = None) -> UpdateIdea:
    return UpdateIdea(
        idea_id=idea_id,
        text=f"Idea number {idea_id} " + "x" * 140,
        anonymous=idea_id % 2 == 0,
        author_name=None if idea_id % 2 == 0 else "Ann",
        status=status,
        reply=reply,
        owner="Estates team",
        vote_count=0,
        channel_id="C0IDEAS",
        message_id=f"1700000000.{idea_id:06d}",
        platform="slack",
    )


def make_draft(counts: dict[str, int], *, reply: str | None = None) -> YouSaidDraft:
    groups = []
    next_id = 1
    for status, count in counts.items():
        ideas = tuple(make_idea(next_id + n, status, reply=reply) for n in range(count))
        next_id += count
        groups.append(StatusGroup(status=status, label=status.title(), ideas=ideas))
    return YouSaidDraft(
        campaign=CAMPAIGN,
        groups=tuple(groups),
        after_change_id=0,
        last_change_id=next_id,
        previous_at=datetime(2027, 2, 1, 9, tzinfo=UTC),
    )


def all_text(blocks: list[dict[str, object]]) -> str:
    return str(blocks)


def test_long_update_cut_within_limits() -> None:
    draft = make_draft({"planned": 120, "done": 3, "not_taken_forward": 30}, reply="r" * 500)

    _, blocks = update_message(draft, links={}, timezone=LONDON)

    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
    text = all_text(blocks)
    assert "153 ideas with a new answer since the last update on 2027-02-01 09:00 GMT" in text
    assert "*Planned* (120)" in text
    assert "*Done* (3)" in text
    assert "*Not_Taken_Forward* (30)" in text
    # Forty listed: all 3 done ideas, and the rest shared between the two long lists.
    assert len(listed_ideas(draft)) == MAX_LISTED_IDEAS
    assert "and 101 more ideas" in text
    assert "and 12 more ideas" in text


def test_block_limit_keeps_every_status(monkeypatch: pytest.MonkeyPatch) -> None:
    # With no cap on listed ideas, the 50-block limit is what cuts the message.
    monkeypatch.setattr(yousaid_blocks, "MAX_LISTED_IDEAS", 10_000)
    draft = make_draft({"planned": 200, "done": 200, "not_taken_forward": 50}, reply="&" * 500)

    _, blocks = update_message(draft, links={}, timezone=LONDON)

    assert len(blocks) == MAX_BLOCKS
    sections = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    assert all(len(text) <= MAX_SECTION_TEXT for text in sections)
    text = "\n".join(sections)
    assert "*Planned* (200)" in text
    assert "*Done* (200)" in text
    assert "*Not_Taken_Forward* (50)" in text
    listed_count = text.count("• ")
    more = [int(part.split(" more")[0].replace(",", "")) for part in text.split("_…and ")[1:]]
    assert len(more) == 3
    assert listed_count + sum(more) == 450


def test_short_update_lists_every_idea_linked() -> None:
    draft = make_draft({"planned": 2, "done": 1})
    links = {1: "https://t.slack.com/archives/C0IDEAS/p1700000000000001"}

    _, blocks = update_message(draft, links=links, timezone=LONDON)
    text = all_text(blocks)

    assert "<https://t.slack.com/archives/C0IDEAS/p1700000000000001|Idea number 1" in text
    assert "more idea" not in text
    assert "(Anonymous)" in text
    assert "(Ann)" in text
    assert "_Owner: Estates team_" in text


def test_preview_counts_by_status() -> None:
    draft = make_draft({"planned": 2, "done": 1})

    text, blocks = preview(draft, token="abc", timezone=LONDON)

    body = all_text(blocks)
    assert "lists 3 ideas" in body
    assert "• Planned: 2" in body
    assert "• Done: 1" in body
    assert '"token": "abc"' in blocks[1]["elements"][0]["value"]  # type: ignore[index]
    assert "Post it?" in text


def test_links_built_from_one_permalink() -> None:
    calls: list[tuple[str, str]] = []

    def permalink(*, channel: str, message_id: str) -> str:
        calls.append((channel, message_id))
        return f"https://t.slack.com/archives/{channel}/p{message_id.replace('.', '')}"

    links = MessageLinks(permalink).links(
        [(1, "C0IDEAS", "1700000000.000001"), (2, "C0IDEAS", "1700000000.000002")]
    )

    assert calls == [("C0IDEAS", "1700000000.000001")]
    assert links[2] == "https://t.slack.com/archives/C0IDEAS/p1700000000000002"


def test_unexpected_permalink_used_as_given() -> None:
    assert archive_base("https://x.example/m/1", channel_id="C1", message_id="1.2") is None
    calls = []

    def permalink(*, channel: str, message_id: str) -> str:
        calls.append(message_id)
        return f"https://x.example/m/{message_id}"

    links = MessageLinks(permalink).links([(1, "C1", "1.000001"), (2, "C1", "1.000002")])

    assert calls == ["1.000001", "1.000002"]
    assert links == {1: "https://x.example/m/1.000001", 2: "https://x.example/m/1.000002"}
