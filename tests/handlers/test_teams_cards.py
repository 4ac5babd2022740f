"""Adaptive Cards of the Teams front: inputs, verbs, data, text, limits and size."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.core.ideas import MAX_DETAIL_LENGTH, MAX_IDEA_LENGTH
from bot.core.moderation import ItemRef, ModeratedItem, QueueEntry
from bot.core.participation_records import (
    OTHER_GROUPS,
    DimensionBreakdown,
    GroupParticipation,
    ParticipationReport,
)
from bot.core.records import (
    AnswerStats,
    CampaignRecord,
    CampaignReport,
    CampaignTotals,
    DayActivity,
    FairRankedIdea,
    IdeaRecord,
    TopicRanking,
    TopicRecord,
)
from bot.core.report import METHOD
from bot.core.statuses import MAX_OWNER_LENGTH, MAX_REPLY_LENGTH, STATUS_LABELS
from handlers.blocks.report import REPORT_HEADER
from handlers.teams.cards import MAX_CARD_BYTES, Card, card_size, notice_card
from handlers.teams.cards_ideas import ANONYMOUS_TITLE, idea_card, idea_form
from handlers.teams.cards_manage import board_form, campaign_form, moderation_card, status_form
from handlers.teams.cards_report import report_card

MARKDOWN = "**urgent** - see [form](https://x.example) _now_"


def _elements(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _elements(item)
    elif isinstance(value, list):
        for item in value:
            yield from _elements(item)


def _inputs(card: Card) -> dict[str, dict[str, Any]]:
    return {
        element["id"]: element
        for element in _elements(card["body"])
        if str(element.get("type", "")).startswith("Input.")
    }


def _run_texts(card: Card) -> list[str]:
    """Return the text of every TextRun, which clients show without Markdown."""
    return [
        element["text"] for element in _elements(card["body"]) if element.get("type") == "TextRun"
    ]


def _markdown_texts(card: Card) -> list[str]:
    return [
        element["text"] for element in _elements(card["body"]) if element.get("type") == "TextBlock"
    ]


def _all_text(card: Card) -> str:
    return "\n".join(_run_texts(card) + _markdown_texts(card))


def _assert_card(card: Card) -> None:
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert isinstance(card["body"], list)
    assert isinstance(card["actions"], list)
    # JSON-ready: a round trip gives the same dict, with no enum or date left in it.
    assert json.loads(json.dumps(card)) == card
    assert card_size(card) <= MAX_CARD_BYTES


def _idea(**fields: Any) -> IdeaRecord:
    values: dict[str, Any] = {
        "id": 42,
        "campaign_id": 3,
        "text": "Put a water fountain on ward 7",
        "detail": "The nearest one is two floors down.",
        "anonymous": False,
        "author_id": "29:alice",
        "author_name": "Alice Smith",
        "channel_id": "19:ideas@thread.tacv2",
        "message_id": "1700000000000",
        "vote_count": 7,
        "comment_count": 2,
        "campaign_open": True,
        "topic_id": 5,
        "topic_question": "What would make your shift easier?",
    }
    values.update(fields)
    return IdeaRecord(**values)


TOPICS = (
    TopicRecord(id=5, position=1, question="What would make your shift easier?"),
    TopicRecord(id=6, position=2, question="What should we stop doing?"),
)


def test_idea_form_fields_and_action() -> None:
    card = idea_form(topics=TOPICS, allow_anonymous=True)
    _assert_card(card)
    inputs = _inputs(card)

    assert list(inputs) == ["idea", "topic", "detail", "anonymous"]
    assert inputs["idea"]["type"] == "Input.Text"
    assert inputs["idea"]["isRequired"] is True
    assert inputs["idea"]["maxLength"] == MAX_IDEA_LENGTH
    assert inputs["detail"]["isMultiline"] is True
    assert inputs["detail"]["maxLength"] == MAX_DETAIL_LENGTH
    assert "isRequired" not in inputs["detail"]
    assert inputs["topic"]["type"] == "Input.ChoiceSet"
    assert inputs["topic"]["choices"] == [
        {"title": "1. What would make your shift easier?", "value": "5"},
        {"title": "2. What should we stop doing?", "value": "6"},
    ]
    assert "value" not in inputs["topic"]
    assert inputs["anonymous"]["type"] == "Input.Toggle"
    assert inputs["anonymous"]["value"] == "false"
    assert inputs["anonymous"]["title"] == ANONYMOUS_TITLE
    assert "not shown or stored" in ANONYMOUS_TITLE
    assert card["actions"] == [
        {"type": "Action.Execute", "title": "Post idea", "verb": "submitIdea"}
    ]


def test_idea_form_without_topics_or_anonymity() -> None:
    card = idea_form(topics=(), allow_anonymous=False, max_text=200, max_detail=500)
    _assert_card(card)
    inputs = _inputs(card)

    assert list(inputs) == ["idea", "detail"]
    assert inputs["idea"]["maxLength"] == 200
    assert inputs["detail"]["maxLength"] == 500


def test_idea_form_one_topic_is_preselected() -> None:
    card = idea_form(topics=TOPICS[:1], allow_anonymous=True)

    assert _inputs(card)["topic"]["value"] == "5"


def test_idea_form_error_keeps_values() -> None:
    values = {
        "idea": "Longer breaks",
        "detail": "Twenty minutes",
        "topic": "6",
        "anonymous": "true",
    }
    card = idea_form(
        topics=TOPICS,
        allow_anonymous=True,
        values=values,
        error="The detail has 3001 characters; the maximum is 3000.",
        error_field="detail",
    )
    _assert_card(card)
    body = card["body"]
    inputs = _inputs(card)

    error_run = body[0]["inlines"][0]
    assert body[0]["type"] == "RichTextBlock"
    assert error_run["text"] == "The detail has 3001 characters; the maximum is 3000."
    assert error_run["color"] == "attention"
    assert inputs["idea"]["value"] == "Longer breaks"
    assert inputs["detail"]["value"] == "Twenty minutes"
    assert inputs["topic"]["value"] == "6"
    assert inputs["anonymous"]["value"] == "true"
    # The marker sits right under the detail input, and only there.
    detail_at = body.index(inputs["detail"])
    markers = [
        index
        for index, element in enumerate(body)
        if element.get("type") == "RichTextBlock"
        and element["inlines"][0].get("color") == "attention"
        and index > 0
    ]
    assert markers == [detail_at + 1]


def test_idea_form_core_field_marks_input() -> None:
    card = idea_form(topics=(), allow_anonymous=False, error="Write your idea.", error_field="text")
    body = card["body"]

    idea_at = body.index(_inputs(card)["idea"])
    assert body[idea_at + 1]["inlines"][0]["color"] == "attention"


def test_idea_form_drops_unknown_topic_value() -> None:
    card = idea_form(topics=TOPICS, allow_anonymous=False, values={"topic": "999"})

    assert "value" not in _inputs(card)["topic"]


def test_idea_card_open() -> None:
    idea = _idea(
        status="planned", status_reply="Estates will fit one in May.", status_owner="Estates"
    )
    card = idea_card(idea, counts_hidden=False)
    _assert_card(card)
    text = _all_text(card)

    assert "Put a water fountain on ward 7" in _run_texts(card)
    assert "The nearest one is two floors down." in _run_texts(card)
    assert "Topic: What would make your shift easier?" in _run_texts(card)
    assert "Answer: Planned" in text
    assert "Owner: Estates" in text
    assert "Estates will fit one in May." in _run_texts(card)
    assert "Idea 42 from Alice Smith" in text
    assert "7 votes" in text
    assert "2 comments" in text
    assert card["actions"] == [
        {"type": "Action.Execute", "title": "Vote", "verb": "vote", "data": {"ideaId": 42}}
    ]
    assert card["refresh"] == {
        "action": {
            "type": "Action.Execute",
            "title": "Refresh",
            "verb": "refreshIdea",
            "data": {"ideaId": 42},
        },
        "userIds": [],
    }


def test_idea_card_counts_hidden() -> None:
    card = idea_card(_idea(hide_counts=True, vote_count=13), counts_hidden=True)
    _assert_card(card)
    text = _all_text(card)

    assert "13" not in text
    assert "counts stay hidden until the campaign closes" in text
    assert "2 comments" in text
    assert card["actions"][0]["verb"] == "vote"
    assert card["actions"][0]["title"] == "Vote"


def test_idea_card_voting_closed() -> None:
    for idea in (_idea(campaign_open=False), _idea(campaign_id=None, board_id=9, board_open=False)):
        card = idea_card(idea, counts_hidden=False)
        _assert_card(card)

        assert card["actions"] == []
        assert "Voting closed · 7 votes · 2 comments" in _all_text(card)
        assert card["refresh"]["action"]["verb"] == "refreshIdea"


def test_idea_card_standing_list_takes_votes() -> None:
    card = idea_card(_idea(campaign_id=None, campaign_open=False), counts_hidden=False)

    assert [action["verb"] for action in card["actions"]] == ["vote"]


def test_idea_card_authors() -> None:
    anonymous = _all_text(idea_card(_idea(anonymous=True, author_name=None), counts_hidden=False))
    paper = _all_text(idea_card(_idea(author_name=None, source="paper"), counts_hidden=False))
    unnamed = _all_text(idea_card(_idea(author_name=None), counts_hidden=False))

    assert "Idea 42 from Anonymous" in anonymous
    assert "Idea 42 from a paper form" in paper
    assert "Idea 42 from A colleague" in unnamed


def test_idea_card_hidden_and_withdrawn() -> None:
    hidden = idea_card(_idea(hidden=True), counts_hidden=False)
    withdrawn = idea_card(_idea(withdrawn=True, hidden=True), counts_hidden=False)
    _assert_card(hidden)
    _assert_card(withdrawn)

    assert _run_texts(hidden) == ["This idea was hidden by a moderator."]
    assert hidden["actions"] == []
    assert hidden["refresh"]["action"]["data"] == {"ideaId": 42}
    assert _run_texts(withdrawn) == ["This idea was withdrawn by its author."]
    assert withdrawn["actions"] == []
    assert "refresh" not in withdrawn


def test_idea_card_user_text_as_runs() -> None:
    idea = _idea(
        text=MARKDOWN,
        detail=MARKDOWN,
        author_name=MARKDOWN,
        topic_question=MARKDOWN,
        status="done",
        status_reply=MARKDOWN,
        status_owner=MARKDOWN,
    )
    card = idea_card(idea, counts_hidden=False)

    assert _markdown_texts(card) == []
    assert MARKDOWN in _run_texts(card)


def test_idea_card_largest_within_limit() -> None:
    # Characters outside the Basic Multilingual Plane take 4 bytes in UTF-16,
    # and quotes and line breaks double in JSON, so this is a worst case.
    text = ("\U0001f600" * (MAX_IDEA_LENGTH // 2)) + ('"' * (MAX_IDEA_LENGTH // 2))
    idea = _idea(
        text=text,
        detail="\U0001f600\n" * (MAX_DETAIL_LENGTH // 2),
        topic_question="\U0001f600" * 300,
        author_name="\U0001f600" * 200,
        status="in_progress",
        status_reply="\U0001f600" * MAX_REPLY_LENGTH,
        status_owner="\U0001f600" * MAX_OWNER_LENGTH,
    )

    _assert_card(idea_card(idea, counts_hidden=False))


def test_notice_card_styles() -> None:
    for style in ("default", "attention", "good"):
        card = notice_card("Vote counted", "Your vote for idea 42 counts.", style=style)
        _assert_card(card)
        container = card["body"][0]

        assert container["type"] == "Container"
        assert container["style"] == style
        assert _run_texts(card) == ["Vote counted", "Your vote for idea 42 counts."]
        assert card["actions"] == []

    with pytest.raises(ValueError, match="attention"):
        notice_card("Title", "Text", style="warning")


def test_campaign_form_fields() -> None:
    channels = [("19:a@thread.tacv2", "Ward 7"), ("19:b@thread.tacv2", "Estates")]
    card = campaign_form(channels=channels, today=date(2027, 1, 4), timezone_name="Europe/London")
    _assert_card(card)
    inputs = _inputs(card)

    assert list(inputs) == [
        "name",
        "topics",
        "channel",
        "startDate",
        "startTime",
        "days",
        "hideCounts",
    ]
    assert inputs["name"]["maxLength"] == 200
    assert inputs["topics"]["isMultiline"] is True
    assert inputs["channel"]["choices"] == [
        {"title": "Ward 7", "value": "19:a@thread.tacv2"},
        {"title": "Estates", "value": "19:b@thread.tacv2"},
    ]
    assert inputs["startDate"]["value"] == "2027-01-04"
    assert inputs["startDate"]["min"] == "2027-01-04"
    assert inputs["startTime"]["value"] == "09:00"
    assert inputs["startTime"]["label"] == "Start time (Europe/London)"
    assert inputs["days"]["type"] == "Input.Number"
    assert inputs["days"]["value"] == 20
    assert inputs["days"]["min"] == 1
    assert inputs["hideCounts"]["value"] == "false"
    assert [action["verb"] for action in card["actions"]] == ["createCampaign"]


def test_campaign_form_without_channels() -> None:
    assert "channel" not in _inputs(campaign_form())


def test_campaign_form_error_keeps_values() -> None:
    values = {
        "name": "Spring ideas",
        "topics": "One?\nTwo?",
        "startDate": "2020-01-01",
        "startTime": "10:30",
        "days": "30",
        "hideCounts": "true",
    }
    card = campaign_form(
        values=values,
        error="The start 2020-01-01 10:30 has passed.",
        error_field="starts",
    )
    _assert_card(card)
    inputs = _inputs(card)
    body = card["body"]

    assert body[0]["inlines"][0]["text"] == "The start 2020-01-01 10:30 has passed."
    assert body[body.index(inputs["startDate"]) + 1]["inlines"][0]["color"] == "attention"
    assert inputs["name"]["value"] == "Spring ideas"
    assert inputs["topics"]["value"] == "One?\nTwo?"
    assert inputs["startDate"]["value"] == "2020-01-01"
    assert inputs["startTime"]["value"] == "10:30"
    assert inputs["days"]["value"] == 30
    assert inputs["hideCounts"]["value"] == "true"


def test_board_form() -> None:
    card = board_form(
        channels=[("19:a@thread.tacv2", "Ward 7")],
        values={"question": "How could handovers be easier?"},
        error="The question has 301 characters; the maximum is 300.",
        error_field="question",
    )
    _assert_card(card)
    inputs = _inputs(card)

    assert list(inputs) == ["question", "channel"]
    assert inputs["question"]["maxLength"] == 300
    assert inputs["question"]["value"] == "How could handovers be easier?"
    assert inputs["channel"]["value"] == "19:a@thread.tacv2"
    assert card["body"][0]["inlines"][0]["color"] == "attention"
    assert [action["verb"] for action in card["actions"]] == ["openBoard"]


def test_status_form_starts_with_answer() -> None:
    idea = _idea(status="planned", status_reply="Booked for May.", status_owner="Estates")
    card = status_form(idea)
    _assert_card(card)
    inputs = _inputs(card)

    assert list(inputs) == ["status", "reply", "owner"]
    assert [choice["value"] for choice in inputs["status"]["choices"]] == list(STATUS_LABELS)
    assert [choice["title"] for choice in inputs["status"]["choices"]] == list(
        STATUS_LABELS.values()
    )
    assert inputs["status"]["value"] == "planned"
    assert inputs["reply"]["value"] == "Booked for May."
    assert inputs["reply"]["maxLength"] == MAX_REPLY_LENGTH
    assert inputs["owner"]["value"] == "Estates"
    assert inputs["owner"]["maxLength"] == MAX_OWNER_LENGTH
    assert card["actions"] == [
        {"type": "Action.Execute", "title": "Save", "verb": "setStatus", "data": {"ideaId": 42}}
    ]


def test_status_form_error_keeps_values() -> None:
    idea = _idea(status="planned", status_reply="Booked for May.")
    card = status_form(
        idea,
        values={"status": "done", "reply": "x" * 600},
        error="The reply has 600 characters; the maximum is 500.",
        error_field="reply",
    )
    inputs = _inputs(card)

    assert inputs["status"]["value"] == "done"
    assert inputs["reply"]["value"] == "x" * MAX_REPLY_LENGTH
    assert "value" not in inputs["owner"]
    assert card["body"][card["body"].index(inputs["reply"]) + 1]["inlines"][0]["color"] == (
        "attention"
    )


def _moderated(kind: str = "idea", **fields: Any) -> ModeratedItem:
    values: dict[str, Any] = {
        "ref": ItemRef(kind, 8 if kind == "comment" else 42),
        "idea_id": 42,
        "text": MARKDOWN,
        "anonymous": False,
        "campaign_id": 3,
        "board_id": None,
        "channel_id": "19:ideas@thread.tacv2",
        "message_id": "1700000000000",
        "thread_id": None,
        "hidden": False,
        "deleted": False,
    }
    values.update(fields)
    return ModeratedItem(**values)


def test_moderation_card_idea_queue_entry() -> None:
    entry = QueueEntry(
        item=_moderated(),
        first_at=datetime(2027, 1, 12, 10, 0, tzinfo=UTC),
        sources=("report", "personal_data"),
        reasons=tuple(f"Reason {number}" for number in range(1, 8)),
        report_count=2,
    )
    card = moderation_card(entry)
    _assert_card(card)
    runs = _run_texts(card)

    assert runs[0] == "Idea 42 in campaign 3"
    assert MARKDOWN in runs
    assert "reported by staff, posted past the personal data check · 2 reports" in runs
    assert [run for run in runs if run.startswith("Reason:")] == [
        f"Reason: Reason {number}" for number in range(1, 6)
    ]
    assert "and 2 more reasons" in runs
    assert _markdown_texts(card) == []
    assert card["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Hide",
            "verb": "hideIdea",
            "data": {"ideaId": 42},
            "style": "destructive",
        }
    ]


def test_moderation_card_hidden_idea_restores() -> None:
    card = moderation_card(_moderated(hidden=True))
    _assert_card(card)

    assert _run_texts(card)[0] == "Idea 42 in campaign 3 (hidden)"
    assert card["actions"] == [
        {
            "type": "Action.Execute",
            "title": "Restore",
            "verb": "restoreIdea",
            "data": {"ideaId": 42},
        }
    ]


def test_moderation_card_comment() -> None:
    hide = moderation_card(_moderated("comment", campaign_id=None, board_id=4))
    restore = moderation_card(_moderated("comment", hidden=True))

    assert _run_texts(hide)[0] == "Comment 8 on idea 42 in Your Shout board 4"
    assert hide["actions"][0]["verb"] == "hideComment"
    assert hide["actions"][0]["data"] == {"commentId": 8, "ideaId": 42}
    assert restore["actions"][0]["verb"] == "restoreComment"
    assert restore["actions"][0]["data"] == {"commentId": 8, "ideaId": 42}


def _ranked(rank: int, **fields: Any) -> FairRankedIdea:
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
        "channel_id": "19:ideas@thread.tacv2",
        "message_id": str(1700000000000 + rank),
    }
    values.update(fields)
    return FairRankedIdea(**values)


def _participation(groups: tuple[GroupParticipation, ...]) -> ParticipationReport:
    return ParticipationReport(
        title="Campaign 3, Winter ideas",
        scope_kind="campaign",
        scope_id=3,
        starts_on=date(2027, 1, 11),
        ends_on=date(2027, 1, 31),
        min_group_size=11,
        headcount=400,
        headcount_taken_at=datetime(2027, 1, 31, 9, 0, tzinfo=UTC),
        participants=60,
        participants_in_directory=58,
        rate=58 / 400,
        posted=20,
        commented=15,
        only_voted=25,
        anonymous_ideas=3,
        offline_ideas=0,
        dimensions=(
            DimensionBreakdown("directorate", "Directorate", groups),
            DimensionBreakdown("band", "Pay band", groups),
        ),
        daily=(),
    )


def _report(
    topics: tuple[TopicRanking, ...], participation: ParticipationReport | None
) -> CampaignReport:
    campaign = CampaignRecord(
        id=3,
        title="Winter ideas",
        platform="teams",
        channel_id="19:ideas@thread.tacv2",
        starts_at=datetime(2027, 1, 11, 9, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 31, 9, 0, tzinfo=UTC),
        status="closed",
    )
    return CampaignReport(
        campaign=campaign,
        method=METHOD,
        timezone="Europe/London",
        has_topics=True,
        totals=CampaignTotals(
            idea_count=12, comment_count=30, vote_count=1234, participant_count=56
        ),
        busiest_days=(
            DayActivity(date(2027, 1, 13), 3, idea_count=2, comment_count=5, vote_count=300),
        ),
        comparison=None,
        topics=topics,
        participation=participation,
        answers=AnswerStats(
            campaign_id=3, idea_count=12, answered_count=6, done_count=2, median_days_to_answer=4.5
        ),
    )


def test_report_card_content() -> None:
    groups = (
        GroupParticipation("Surgery & Theatres", headcount=120, participants=30, rate=0.25),
        GroupParticipation(OTHER_GROUPS, headcount=15, participants=4, rate=4 / 15),
    )
    topics = (
        TopicRanking(5, MARKDOWN, idea_count=2, top_ideas=(_ranked(1), _ranked(2))),
        TopicRanking(
            None, None, idea_count=1, top_ideas=(_ranked(3, anonymous=True, author_name=None),)
        ),
    )
    card = report_card(_report(topics, _participation(groups)))
    _assert_card(card)
    text = _all_text(card)

    assert _markdown_texts(card)[0] == REPORT_HEADER
    # The fixed form of format_totals, which the simulation parses.
    assert "Ideas: 12 · Comments: 30 · Votes: 1234 · Participants: 56" in text
    assert "11 Jan 2027 to 31 Jan 2027" in text
    assert "Busiest days" in text
    assert "6 of 12 ideas answered (50%), 2 done" in text
    assert "58 of 400 staff took part (14%)." in text
    assert "• Surgery & Theatres: 30 of 120 (25%)" in _run_texts(card)
    assert f"• {OTHER_GROUPS}: 4 of 15 (27%)" in _run_texts(card)
    assert "Groups of fewer than 11 people" in text
    assert f"1. {MARKDOWN}" in _run_texts(card)
    assert "Not assigned to a topic" in text
    assert "3. Idea number 3 (Anonymous) · 17 votes · 3 comments" in text
    assert "1. Idea number 1 (Alice Smith) · 19 votes · 1 comment · posted day 2" in text
    assert "left out" not in text
    assert METHOD in text
    assert card["actions"] == []


def test_report_card_channel_copy_without_groups() -> None:
    groups = (GroupParticipation("Surgery", headcount=120, participants=30, rate=0.25),)
    card = report_card(_report((), _participation(groups)), by_group=False)
    text = _all_text(card)

    assert "58 of 400 staff took part (14%)." in text
    assert "Surgery" not in text


def test_report_card_big_within_limit() -> None:
    long_text = "A long idea about rotas and handovers " * 30
    topics = tuple(
        TopicRanking(
            topic_id=number,
            question=f"Question {number}? " + "Why " * 70,
            idea_count=250,
            top_ideas=tuple(_ranked(rank, text=long_text) for rank in range(1, 11)),
        )
        for number in range(1, 11)
    ) + (TopicRanking(None, None, idea_count=40, top_ideas=(_ranked(1),)),)
    groups = tuple(
        GroupParticipation(f"Directorate number {number} " + "x" * 60, 100, 20, 0.2)
        for number in range(80)
    )
    card = report_card(_report(topics, _participation(groups)))
    _assert_card(card)
    text = _all_text(card)

    assert card_size(card) <= MAX_CARD_BYTES
    assert "Ideas: 12 · Comments: 30 · Votes: 1234 · Participants: 56" in text
    assert "left out to keep this card within Teams' size limit" in text
    assert "staffvoice participation --campaign 3 prints them all." in text
    assert METHOD in text


def test_report_card_leaves_out_last_topics() -> None:
    topics = tuple(
        TopicRanking(number, f"Question {number}? " + "Why " * 70, 5, (_ranked(1),))
        for number in range(1, 61)
    )
    card = report_card(_report(topics, None))
    _assert_card(card)
    text = _all_text(card)

    assert "Question 1? " in text
    assert "Question 60? " not in text
    assert "more topics were left out to keep this card within Teams' size limit." in text
    assert "Its top idea was left out" in text


def test_report_card_small_not_cut() -> None:
    topics = tuple(
        TopicRanking(
            topic_id=number,
            question=f"Question {number}?",
            idea_count=10,
            top_ideas=tuple(_ranked(rank) for rank in range(1, 11)),
        )
        for number in range(1, 4)
    )
    card = report_card(_report(topics, None))
    lines = [run for run in _run_texts(card) if run[:1].isdigit() and "Idea number" in run]

    assert len(lines) == 30
    assert "left out" not in _all_text(card)


def test_every_card_json_ready() -> None:
    cards = [
        idea_form(topics=TOPICS, allow_anonymous=True),
        idea_card(_idea(), counts_hidden=False),
        notice_card("Done", "Saved."),
        campaign_form(channels=[("19:a", "Ward 7")], today=date(2027, 1, 4)),
        board_form(),
        status_form(_idea()),
        moderation_card(_moderated()),
        report_card(_report((), None)),
    ]
    for card in cards:
        _assert_card(card)
