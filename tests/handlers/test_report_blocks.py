"""Block Kit for the final report: content, escaping of user text, and Slack's limits.

Slack's published limits checked here: 50 blocks per message, section text
3,000 characters, header text 150, context element text 3,000.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from bot.core.ideas import MAX_IDEA_LENGTH
from bot.core.records import (
    AnswerStats,
    CampaignRecord,
    CampaignReport,
    CampaignTotals,
    DayActivity,
    FairRankedIdea,
    SeriesComparison,
    TopicRanking,
)
from bot.core.report import METHOD
from bot.simulate.campaign import SUMMARY_HEADER, parse_totals
from bot.simulate.traffic import Totals
from handlers.blocks.report import MAX_BLOCKS, final_report_message

MENTIONS = "<!channel> <!here> <@U123> <https://x|y> & co"
MENTIONS_ESCAPED = "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://x|y&gt; &amp; co"


def _campaign(**fields: Any) -> CampaignRecord:
    values: dict[str, Any] = {
        "id": 1,
        "title": "Winter ideas",
        "platform": "slack",
        "channel_id": "C0IDEAS",
        "starts_at": datetime(2027, 1, 11, 9, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 31, 9, 0, tzinfo=UTC),
        "status": "closed",
    }
    values.update(fields)
    return CampaignRecord(**values)


def _idea(rank: int, **fields: Any) -> FairRankedIdea:
    values: dict[str, Any] = {
        "rank": rank,
        "idea_id": rank,
        "text": f"Idea number {rank}",
        "author_name": "Alice Smith",
        "anonymous": False,
        "vote_count": 20 - rank,
        "comment_count": rank,
        "posted_at": datetime(2027, 1, 12, 10, 0, tzinfo=UTC),
        "posted_day": 2,
        "active_voter_count": 40,
        "score": 0.5 - rank / 100,
        "channel_id": "C0IDEAS",
        "message_id": f"1700000000.00000{rank}",
    }
    values.update(fields)
    return FairRankedIdea(**values)


def _topic(
    topic_id: int | None, question: str | None, ideas: tuple[FairRankedIdea, ...], **fields: Any
) -> TopicRanking:
    values: dict[str, Any] = {
        "topic_id": topic_id,
        "question": question,
        "idea_count": len(ideas),
        "top_ideas": ideas,
    }
    values.update(fields)
    return TopicRanking(**values)


def _report(**fields: Any) -> CampaignReport:
    values: dict[str, Any] = {
        "campaign": _campaign(),
        "method": METHOD,
        "timezone": "Europe/London",
        "has_topics": True,
        "totals": CampaignTotals(12, 30, 1234, 56),
        "busiest_days": (
            DayActivity(date(2027, 1, 13), 3, idea_count=2, comment_count=5, vote_count=300),
            DayActivity(date(2027, 1, 12), 2, idea_count=4, comment_count=1, vote_count=100),
        ),
        "comparison": None,
        "topics": (
            _topic(10, "What slows you down?", (_idea(1), _idea(2))),
            _topic(None, None, (_idea(3, anonymous=True, author_name=None),)),
        ),
    }
    values.update(fields)
    return CampaignReport(**values)


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                found.extend(_texts(item))
        return found
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []


def _sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section"]


def _assert_within_slack_limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= MAX_BLOCKS == 50
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        if block["type"] == "context":
            for element in block["elements"]:
                assert len(element["text"]) <= 3000


def test_report_message_layout() -> None:
    text, blocks = final_report_message(_report())

    assert [block["type"] for block in blocks] == [
        "header",
        "section",
        "section",
        "divider",
        "section",
        "divider",
        "section",
        "context",
    ]
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Campaign closed"}
    sections = _sections(blocks)
    assert sections[0] == (
        "*Winter ideas* has closed. Thank you to everyone who took part.\n"
        "11 Jan 2027 to 31 Jan 2027 · "
        "Ideas: 12 · Comments: 30 · Votes: 1234 · Participants: 56"
    )
    assert sections[1] == (
        "*Busiest days* (new ideas, comments and votes): "
        "Wed 13 Jan (day 3): 307 · Tue 12 Jan (day 2): 105"
    )
    assert sections[2] == (
        "*1. What slows you down?*\n2 ideas\n"
        "1. Idea number 1 (Alice Smith) · *19 votes* · 1 comment · posted day 2 "
        "(40 voters active since)\n"
        "2. Idea number 2 (Alice Smith) · *18 votes* · 2 comments · posted day 2 "
        "(40 voters active since)"
    )
    assert sections[3] == (
        "*Not assigned to a topic*\n1 idea\n"
        "3. Idea number 3 (Anonymous) · *17 votes* · 3 comments · posted day 2 "
        "(40 voters active since)"
    )
    assert blocks[-1]["elements"][0]["text"] == METHOD
    assert text == (
        "Winter ideas has closed. Final report: "
        "Ideas: 12 · Comments: 30 · Votes: 1234 · Participants: 56"
    )
    _assert_within_slack_limits(blocks)


def test_report_message_comparison() -> None:
    comparison = SeriesComparison(
        previous=_campaign(id=0, title="Autumn <ideas>"),
        previous_totals=CampaignTotals(15, 30, 1000, 60),
        difference=CampaignTotals(-3, 0, 234, -4),
    )

    _, blocks = final_report_message(_report(comparison=comparison, busiest_days=()))

    sections = _sections(blocks)
    assert sections[1] == (
        "*Compared with Autumn &lt;ideas&gt;:* ideas 12 vs 15 (-3) · comments 30 vs 30 (+0) · "
        "votes 1,234 vs 1,000 (+234) · participants 56 vs 60 (-4)"
    )
    assert not any(section.startswith("*Busiest days*") for section in sections)


def test_report_message_without_topics() -> None:
    report = _report(
        has_topics=False,
        topics=(_topic(None, None, (_idea(1),), idea_count=14),),
    )

    _, blocks = final_report_message(report)

    assert _sections(blocks)[2].startswith("*Top ideas*\n14 ideas, top 1 shown\n1. Idea number 1")


def test_report_message_empty_topic() -> None:
    _, blocks = final_report_message(_report(topics=(_topic(4, "Unused?", ()),)))

    assert _sections(blocks)[2] == "*1. Unused?*\nNo ideas were posted."


def test_report_message_permalinks() -> None:
    link = "https://example.slack.com/archives/C0IDEAS/p1700000000000001"

    _, blocks = final_report_message(_report(), permalinks={1: link})

    sections = _sections(blocks)
    assert f"1. <{link}|Idea number 1> (Alice Smith)" in sections[2]
    assert "2. Idea number 2 (Alice Smith)" in sections[2]


def test_report_message_escapes_everything() -> None:
    comparison = SeriesComparison(
        previous=_campaign(id=0, title=MENTIONS),
        previous_totals=CampaignTotals(1, 1, 1, 1),
        difference=CampaignTotals(11, 29, 1233, 55),
    )
    report = _report(
        campaign=_campaign(title=MENTIONS),
        comparison=comparison,
        topics=(_topic(1, MENTIONS, (_idea(1, text=MENTIONS, author_name=MENTIONS),)),),
    )

    text, blocks = final_report_message(report)

    sections = _sections(blocks)
    assert sections[0].startswith(f"*{MENTIONS_ESCAPED}*")
    assert f"Compared with {MENTIONS_ESCAPED}:" in sections[2]
    assert sections[3].startswith(f"*1. {MENTIONS_ESCAPED}*")
    assert f"1. {MENTIONS_ESCAPED} ({MENTIONS_ESCAPED})" in sections[3]
    assert MENTIONS_ESCAPED in text
    for message_text in [text, *_texts(blocks)]:
        assert "<" not in message_text, message_text
        assert ">" not in message_text, message_text
        assert not re.search(r"&(?!amp;|lt;|gt;)", message_text), message_text


def test_report_message_long_excerpt() -> None:
    idea = _idea(1, text="&" * MAX_IDEA_LENGTH)

    _, blocks = final_report_message(_report(topics=(_topic(1, "Why?", (idea,)),)))

    line = _sections(blocks)[2].split("\n")[2]
    label = line.split(" (", 1)[0].split(". ", 1)[1]
    assert label.endswith("…")
    assert len(label.replace("&amp;", "&")) <= 140
    _assert_within_slack_limits(blocks)


def test_report_message_long_topic_splits() -> None:
    # Ten ideas of 140 escaped ampersands by authors with 200-character escaped
    # names make about 17,000 characters, which need several sections.
    ideas = tuple(
        _idea(rank, text="&" * MAX_IDEA_LENGTH, author_name="<" * 200) for rank in range(1, 11)
    )
    report = _report(topics=(_topic(1, "&" * 300, ideas, idea_count=25),))

    _, blocks = final_report_message(report)

    sections = _sections(blocks)[2:]
    assert len(sections) > 1
    lines = "\n".join(sections).split("\n")
    assert lines[0] == "*1. " + "&amp;" * 300 + "*"
    assert lines[1] == "25 ideas, top 10 shown"
    assert [line.split(". ", 1)[0] for line in lines[2:]] == [str(rank) for rank in range(1, 11)]
    _assert_within_slack_limits(blocks)


def test_report_message_many_topics_cut() -> None:
    ideas = tuple(
        _idea(rank, text="&" * MAX_IDEA_LENGTH, author_name="<" * 200) for rank in range(1, 11)
    )
    topics = tuple(_topic(number, f"Question {number}", ideas) for number in range(1, 11))
    report = _report(topics=(*topics, _topic(None, None, ideas)))

    _, blocks = final_report_message(report)

    _assert_within_slack_limits(blocks)
    sections = _sections(blocks)
    shown = [
        number
        for number in range(1, 11)
        if any(s.startswith(f"*{number}. Question") for s in sections)
    ]
    assert shown == list(range(1, len(shown) + 1))
    assert 0 < len(shown) < 10
    left_out = 11 - len(shown)
    assert sections[-1] == (
        f"{left_out} more topics were left out because a Slack message holds at most 50 blocks."
    )
    assert blocks[-1]["type"] == "context"


def test_report_message_many_short_topics_fit() -> None:
    topics = tuple(_topic(number, f"Question {number}", (_idea(1),)) for number in range(1, 11))
    report = _report(topics=(*topics, _topic(None, None, (_idea(2),))))

    _, blocks = final_report_message(report)

    _assert_within_slack_limits(blocks)
    sections = _sections(blocks)
    assert sum(section.startswith("*") and "Question" in section for section in sections) == 10
    assert "*Not assigned to a topic*" in sections[-1]
    assert not any("left out" in section for section in sections)


def test_report_readable_by_simulation() -> None:
    text, blocks = final_report_message(_report())

    assert blocks[0]["text"]["text"] == SUMMARY_HEADER
    assert parse_totals(text) == Totals(ideas=12, comments=30, votes=1234, participants=56)


def test_report_one_active_voter_singular() -> None:
    report = _report(topics=(_topic(10, "Q?", (_idea(1, active_voter_count=1),)),))

    _, blocks = final_report_message(report)

    assert "(1 voter active since)" in _sections(blocks)[2]


def test_report_message_answer_stats() -> None:
    with_answers = _report(answers=AnswerStats(1, 10, 4, 2, 3.5))

    _, blocks = final_report_message(with_answers)
    _, without = final_report_message(_report())

    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]
    assert "*Answers:* 4 of 10 ideas answered (40%), 2 done · median 3.5 days" in " ".join(texts)
    assert not any("*Answers:*" in json.dumps(block) for block in without)
