"""Block Kit builders: idea messages, the idea modal, and campaign launch and summary messages.

Slack's published limits checked here: section text 3,000 characters, 50 blocks per
message, button text 75, header text 150, modal title, submit and close text 24.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.ideas import MAX_DETAIL_LENGTH, MAX_IDEA_LENGTH
from bot.core.records import (
    AnswerStats,
    CampaignRecord,
    CampaignSummary,
    IdeaRecord,
    RankedIdea,
    TopicRecord,
)
from bot.core.statuses import CLI_CHANGED_BY, MAX_OWNER_LENGTH, MAX_REPLY_LENGTH, StatusChange
from handlers.blocks.answers import answers_text
from handlers.blocks.campaigns import launch_message, summary_message, totals_line
from handlers.blocks.ideas import (
    WITHDRAWN_IDEA_NOTICE,
    author_label,
    idea_message,
    idea_modal,
    shows_voting_closed,
    topic_choice_blocks,
    vote_label,
)
from handlers.blocks.statuses import (
    menu_value,
    parse_menu_value,
    status_modal,
    status_notice,
    status_saved,
)
from handlers.ids import IdeaIds, IdeaTopicIds, StatusIds

LONDON = ZoneInfo("Europe/London")
MENTIONS = "<!channel> <!here> <@U123> <https://x|y> & co"
MENTIONS_ESCAPED = "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://x|y&gt; &amp; co"


def _idea(**fields: Any) -> IdeaRecord:
    values: dict[str, Any] = {
        "id": 7,
        "campaign_id": 1,
        "text": "Move the huddle to 9:15",
        "detail": None,
        "anonymous": False,
        "author_id": "U0ALICE",
        "author_name": "Alice Smith",
        "channel_id": "C0IDEAS",
        "message_id": None,
        "vote_count": 0,
        "comment_count": 0,
        "campaign_open": True,
    }
    values.update(fields)
    return IdeaRecord(**values)


def _campaign(**fields: Any) -> CampaignRecord:
    values: dict[str, Any] = {
        "id": 1,
        "title": "Winter ideas",
        "platform": "slack",
        "channel_id": "C0IDEAS",
        "starts_at": datetime(2027, 1, 11, 9, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 31, 9, 0, tzinfo=UTC),
        "status": "open",
    }
    values.update(fields)
    return CampaignRecord(**values)


def _ranked(rank: int, **fields: Any) -> RankedIdea:
    values: dict[str, Any] = {
        "rank": rank,
        "idea_id": rank,
        "text": f"Idea number {rank}",
        "author_name": "Alice Smith",
        "anonymous": False,
        "vote_count": 10 - rank,
        "comment_count": rank,
        "channel_id": "C0IDEAS",
        "message_id": f"1700000000.00000{rank}",
    }
    values.update(fields)
    return RankedIdea(**values)


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
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert 0 < len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75


@pytest.mark.parametrize(("count", "label"), [(0, "0 votes"), (1, "1 vote"), (2, "2 votes")])
def test_vote_label_plural(count: int, label: str) -> None:
    assert vote_label(count) == label


def test_author_label_cases() -> None:
    assert author_label(_idea()) == "Alice Smith"
    assert author_label(_idea(author_name="Tom & <Jerry>")) == "Tom &amp; &lt;Jerry&gt;"
    assert author_label(_idea(author_name=None)) == "A colleague"
    assert author_label(_idea(anonymous=True, author_name="Alice Smith")) == "Anonymous"


def test_idea_message_layout() -> None:
    text, blocks = idea_message(_idea(detail="Night staff miss it."), vote_count=3)

    assert [block["type"] for block in blocks] == ["section", "section", "context", "actions"]
    assert _sections(blocks) == ["Move the huddle to 9:15", "Night staff miss it."]
    context = blocks[2]["elements"][0]["text"]
    assert "Idea 7 from Alice Smith" in context
    assert "*3 votes*" in context
    button, menu = blocks[3]["elements"]
    assert menu["action_id"] == StatusIds.MENU_ACTION
    assert button["type"] == "button"
    assert button["action_id"] == IdeaIds.VOTE_ACTION
    assert button["value"] == "7"
    assert button["text"]["text"] == "Vote (3)"
    assert text == "Idea from Alice Smith: Move the huddle to 9:15"
    _assert_within_slack_limits(blocks)


def test_idea_message_count_argument() -> None:
    _, blocks = idea_message(_idea(vote_count=5), vote_count=1)

    assert "*1 vote*" in blocks[-2]["elements"][0]["text"]
    assert blocks[-1]["elements"][0]["text"]["text"] == "Vote (1)"


def test_idea_message_closed_voting() -> None:
    text, blocks = idea_message(_idea(detail="Night staff miss it."), vote_count=3, closed=True)

    # The status menu stays, since ideas are mostly answered after the close.
    assert [block["type"] for block in blocks] == ["section", "section", "context", "actions"]
    context = blocks[2]["elements"][0]["text"]
    assert context == "Idea 7 from Alice Smith · Voting closed · *3 votes*"
    [menu] = blocks[3]["elements"]
    assert menu["action_id"] == StatusIds.MENU_ACTION
    assert text == "Idea from Alice Smith: Move the huddle to 9:15"
    _assert_within_slack_limits(blocks)


def test_shows_voting_closed_cases() -> None:
    assert shows_voting_closed(_idea(campaign_open=False)) is True
    assert shows_voting_closed(_idea(campaign_open=True)) is False
    # An idea outside any campaign keeps its Vote button.
    assert shows_voting_closed(_idea(campaign_id=None, campaign_open=False)) is False


def test_idea_message_escapes_everything() -> None:
    idea = _idea(text=MENTIONS, detail=MENTIONS, author_name="Tom & <Jerry>")

    text, blocks = idea_message(idea, vote_count=0)

    assert _sections(blocks) == [MENTIONS_ESCAPED, MENTIONS_ESCAPED]
    assert MENTIONS_ESCAPED in text
    for message_text in [text, *_texts(blocks)]:
        assert "<" not in message_text, message_text
        assert ">" not in message_text, message_text
        assert not re.search(r"&(?!amp;|lt;|gt;)", message_text), message_text


def test_idea_message_anonymous() -> None:
    text, blocks = idea_message(
        _idea(anonymous=True, author_name=None, author_id=None), vote_count=0
    )

    assert text.startswith("Idea from Anonymous:")
    assert "from Anonymous" in blocks[-2]["elements"][0]["text"]


@pytest.mark.parametrize(("source", "label"), [("paper", "a paper form"), ("email", "an email")])
def test_idea_message_offline_source(source: str, label: str) -> None:
    text, blocks = idea_message(_idea(source=source, author_name="Paper form"), vote_count=0)

    assert text.startswith(f"Idea from {label}:")
    assert f"from {label} ·" in blocks[-2]["elements"][0]["text"]


def test_idea_message_longest_input() -> None:
    idea = _idea(text="&" * MAX_IDEA_LENGTH, detail="<" * MAX_DETAIL_LENGTH)

    text, blocks = idea_message(idea, vote_count=12345)

    sections = _sections(blocks)
    assert "".join(sections) == "&amp;" * MAX_IDEA_LENGTH + "&lt;" * MAX_DETAIL_LENGTH
    _assert_within_slack_limits(blocks)
    assert len(text) < 1000


def test_idea_modal_fields() -> None:
    modal = idea_modal(channel_id="C0IDEAS")

    assert modal["type"] == "modal"
    assert modal["callback_id"] == IdeaIds.MODAL_CALLBACK == "idea-submit"
    assert modal["private_metadata"] == "C0IDEAS"
    for key in ("title", "submit", "close"):
        assert 0 < len(modal[key]["text"]) <= 24
    blocks = {block["block_id"]: block for block in modal["blocks"]}
    assert list(blocks) == [IdeaIds.TEXT_BLOCK, IdeaIds.DETAIL_BLOCK, IdeaIds.ANONYMOUS_BLOCK]
    text_input = blocks[IdeaIds.TEXT_BLOCK]["element"]
    assert text_input["action_id"] == IdeaIds.TEXT_ACTION
    assert text_input["max_length"] == MAX_IDEA_LENGTH
    assert blocks[IdeaIds.TEXT_BLOCK].get("optional", False) is False
    detail_input = blocks[IdeaIds.DETAIL_BLOCK]["element"]
    assert detail_input["action_id"] == IdeaIds.DETAIL_ACTION
    assert detail_input["max_length"] == MAX_DETAIL_LENGTH
    assert detail_input["multiline"] is True
    assert blocks[IdeaIds.DETAIL_BLOCK]["optional"] is True
    checkboxes = blocks[IdeaIds.ANONYMOUS_BLOCK]["element"]
    assert checkboxes["type"] == "checkboxes"
    assert checkboxes["action_id"] == IdeaIds.ANONYMOUS_ACTION
    assert [option["value"] for option in checkboxes["options"]] == [IdeaIds.ANONYMOUS_OPTION]
    assert blocks[IdeaIds.ANONYMOUS_BLOCK]["optional"] is True


def test_launch_message_content() -> None:
    campaign = _campaign(title="Winter <ideas> & more")

    text, blocks = launch_message(campaign, timezone=LONDON)

    assert text == "Winter &lt;ideas&gt; &amp; more is open until 2027-01-31 09:00 GMT."
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"] == {"type": "plain_text", "text": "Winter <ideas> & more"}
    assert (
        "*Winter &lt;ideas&gt; &amp; more* is open until *2027-01-31 09:00 GMT*"
        in (blocks[1]["text"]["text"])
    )
    assert "/idea" in blocks[1]["text"]["text"]
    _assert_within_slack_limits(blocks)


def test_launch_message_lists_topics() -> None:
    campaign = _campaign(topics=_topics("What slows you down?", "Who <deserves> thanks?"))

    _, blocks = launch_message(campaign, timezone=LONDON)

    assert blocks[-1]["text"]["text"] == (
        "*The questions*\n1. What slows you down?\n2. Who &lt;deserves&gt; thanks?"
    )
    _assert_within_slack_limits(blocks)


def test_launch_message_long_title() -> None:
    _, blocks = launch_message(_campaign(title="T" * 200), timezone=LONDON)

    assert blocks[0]["text"]["text"] == "T" * 150
    _assert_within_slack_limits(blocks)


def test_totals_line_format() -> None:
    summary = CampaignSummary(_campaign(), 4, 7, 12, 9, ())

    assert totals_line(summary) == "Ideas: 4 · Comments: 7 · Votes: 12 · Participants: 9"


def test_summary_message_top_ideas() -> None:
    ranked = (
        _ranked(1, text="Fix <the> lift & stairs"),
        _ranked(2, anonymous=True, author_name=None),
        _ranked(3, author_name="Tom & <Jerry>", vote_count=1),
    )
    summary = CampaignSummary(_campaign(title="Q1 <ideas>"), 3, 6, 27, 8, ranked)
    permalinks = {1: "https://example.slack.com/archives/C0IDEAS/p1700000000000001"}

    text, blocks = summary_message(summary, permalinks=permalinks)

    assert text == "Q1 &lt;ideas&gt; has closed. " + totals_line(summary)
    sections = _sections(blocks)
    assert "*Q1 &lt;ideas&gt;* has closed." in sections[0]
    assert totals_line(summary) in sections[0]
    assert sections[1] == "*Top ideas*"
    assert sections[2] == (
        "1. <https://example.slack.com/archives/C0IDEAS/p1700000000000001|"
        "Fix &lt;the&gt; lift &amp; stairs> (Alice Smith) · 9 votes, 1 comment"
    )
    assert sections[3] == "2. Idea number 2 (Anonymous) · 8 votes, 2 comments"
    assert sections[4] == "3. Idea number 3 (Tom &amp; &lt;Jerry&gt;) · 1 vote, 3 comments"
    _assert_within_slack_limits(blocks)


def test_summary_message_without_ideas() -> None:
    summary = CampaignSummary(_campaign(), 0, 0, 0, 0, ())

    _, blocks = summary_message(summary, permalinks={})

    assert _sections(blocks)[-1] == "No ideas were posted."
    assert len(blocks) == 3


def test_summary_message_long_excerpt() -> None:
    ranked = tuple(_ranked(rank, text="&" * MAX_IDEA_LENGTH) for rank in range(1, 11))
    summary = CampaignSummary(_campaign(), 10, 0, 0, 0, ranked)

    _, blocks = summary_message(summary, permalinks={})

    for section in _sections(blocks)[2:]:
        label = section.split(" (", 1)[0].split(". ", 1)[1]
        assert label.endswith("…")
        assert len(label.replace("&amp;", "&")) <= 140
    _assert_within_slack_limits(blocks)


def _topics(*questions: str) -> tuple[TopicRecord, ...]:
    return tuple(
        TopicRecord(id=100 + position, position=position, question=question)
        for position, question in enumerate(questions, start=1)
    )


def test_idea_message_hidden_counts() -> None:
    text, blocks = idea_message(_idea(hide_counts=True, vote_count=4), vote_count=4)

    rendered = " ".join([text, *_texts(blocks)])
    assert re.search(r"\d+ votes?", rendered) is None
    button = next(block for block in blocks if block["type"] == "actions")["elements"][0]
    assert button["text"]["text"] == "Vote"
    assert "counts stay hidden until the campaign closes" in rendered


def test_idea_message_hidden_counts_closed() -> None:
    _, blocks = idea_message(_idea(hide_counts=True, vote_count=4), vote_count=4, closed=True)

    assert "Voting closed · *4 votes*" in " ".join(_texts(blocks))


def test_idea_message_topic_line() -> None:
    _, blocks = idea_message(_idea(topic_id=3, topic_question="Safer <handovers>?"), vote_count=0)

    assert "Topic: Safer &lt;handovers&gt;?" in _texts(blocks)


def test_idea_modal_without_anonymity_has_no_box() -> None:
    modal = idea_modal(channel_id="C0IDEAS", allow_anonymous=False)

    block_ids = [block["block_id"] for block in modal["blocks"]]
    assert block_ids == [IdeaIds.TEXT_BLOCK, IdeaIds.DETAIL_BLOCK]


def test_idea_modal_topic_menu() -> None:
    long_question = "How " + "really " * 20 + "could we do better?"
    modal = idea_modal(channel_id="C0IDEAS", topics=_topics("Short one?", long_question))

    [topic_block] = [b for b in modal["blocks"] if b.get("block_id") == IdeaTopicIds.MODAL_BLOCK]
    options = topic_block["element"]["options"]
    assert [option["value"] for option in options] == ["101", "102"]
    assert all(len(option["text"]["text"]) <= 75 for option in options)
    assert options[1]["text"]["text"].endswith("…")
    assert "initial_option" not in topic_block["element"]
    # A cut question is shown in full above the menu.
    assert any(long_question in text for text in _texts(modal["blocks"]))


def test_idea_modal_single_topic_preselected() -> None:
    modal = idea_modal(channel_id="C0IDEAS", topics=_topics("Only question?"))

    [topic_block] = [b for b in modal["blocks"] if b.get("block_id") == IdeaTopicIds.MODAL_BLOCK]
    assert topic_block["element"]["initial_option"]["value"] == "101"


def test_topic_choice_values() -> None:
    blocks = topic_choice_blocks("Posted.", idea_id=9, topics=_topics("First?", "Second?"))

    [menu_block] = [b for b in blocks if b.get("block_id") == IdeaTopicIds.CHOICE_BLOCK]
    menu = menu_block["accessory"]
    assert menu["action_id"] == IdeaTopicIds.CHOICE_ACTION
    assert [option["value"] for option in menu["options"]] == ["9:101", "9:102"]


def _board_idea(**fields: Any) -> IdeaRecord:
    values: dict[str, Any] = {
        "campaign_id": None,
        "campaign_open": False,
        "board_id": 3,
        "board_open": True,
    }
    values.update(fields)
    return _idea(**values)


def _status_menus(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks
        for element in block.get("elements", [])
        if element.get("action_id") == StatusIds.MENU_ACTION
    ]


def test_campaign_idea_shows_answer_and_menu() -> None:
    idea = _idea(status="in_progress", status_reply="Soon", status_owner="Estates <team>")

    _, blocks = idea_message(idea, vote_count=1)

    [menu] = _status_menus(blocks)
    assert len(menu["options"]) == 5
    [_, answer] = _sections(blocks)
    assert answer == "*Answer: In progress* · Owner: Estates &lt;team&gt;\nSoon"


def test_hidden_idea_has_no_status_menu() -> None:
    _, blocks = idea_message(_idea(hidden=True, status="done"), vote_count=1)

    assert _status_menus(blocks) == []
    assert not any("Answer:" in text for text in _texts(blocks))


def test_board_idea_status_menu() -> None:
    _, blocks = idea_message(_board_idea(), vote_count=2)

    assert [block["type"] for block in blocks] == ["section", "context", "actions"]
    vote_button, menu = blocks[-1]["elements"]
    assert vote_button["action_id"] == IdeaIds.VOTE_ACTION
    assert menu["type"] == "overflow"
    assert [option["value"] for option in menu["options"]] == [
        "7:under_consideration",
        "7:planned",
        "7:in_progress",
        "7:done",
        "7:not_taken_forward",
    ]
    assert all(len(option["text"]["text"]) <= 75 for option in menu["options"])
    assert not any("Answer:" in text for text in _texts(blocks))


def test_board_idea_shows_answer_escaped() -> None:
    idea = _board_idea(status="not_taken_forward", status_reply=MENTIONS)

    _, blocks = idea_message(idea, vote_count=0)

    [_, answer] = _sections(blocks)
    assert answer == f"*Answer: Not taken forward*\n{MENTIONS_ESCAPED}"
    _assert_within_slack_limits(blocks)


def test_board_idea_longest_reply_fits() -> None:
    idea = _board_idea(status="done", status_reply="&" * MAX_REPLY_LENGTH)

    _, blocks = idea_message(idea, vote_count=0)

    assert "&amp;" * MAX_REPLY_LENGTH in "".join(_sections(blocks))
    _assert_within_slack_limits(blocks)


def test_closed_board_idea_keeps_menu() -> None:
    idea = _board_idea(board_open=False, status="planned")

    _, blocks = idea_message(idea, vote_count=4, closed=True)

    [menu] = blocks[-1]["elements"]
    assert menu["action_id"] == StatusIds.MENU_ACTION
    assert "Voting closed · *4 votes*" in blocks[-2]["elements"][0]["text"]


def test_status_menu_value_round_trip() -> None:
    assert parse_menu_value(menu_value(12, "done")) == (12, "done")
    assert parse_menu_value("x:done") is None
    assert parse_menu_value("12:") is None
    assert parse_menu_value("") is None


def test_status_modal_fields() -> None:
    modal = status_modal(_board_idea(status_reply="Earlier reply"), status="done")

    assert modal["callback_id"] == StatusIds.MODAL_CALLBACK
    assert modal["private_metadata"] == "7"
    assert len(modal["title"]["text"]) <= 24
    blocks = {block.get("block_id"): block for block in modal["blocks"]}
    status_element = blocks[StatusIds.STATUS_BLOCK]["element"]
    assert status_element["action_id"] == StatusIds.STATUS_ACTION
    assert status_element["initial_option"]["value"] == "done"
    reply_block = blocks[StatusIds.REPLY_BLOCK]
    assert reply_block["optional"] is True
    assert reply_block["element"]["multiline"] is True
    assert reply_block["element"]["max_length"] == MAX_REPLY_LENGTH
    assert reply_block["element"]["initial_value"] == "Earlier reply"


def _status_change(**fields: Any) -> StatusChange:
    values: dict[str, Any] = {
        "idea": _board_idea(text=MENTIONS, status="planned"),
        "platform": "slack",
        "change_id": 5,
        "status": "planned",
        "reply": "Starting <soon> & well",
        "changed_by": "U0LEAD",
        "changed_at": datetime(2027, 1, 11, 9, 0, tzinfo=UTC),
        "changed": True,
        "author_id": "U0ALICE",
        "recipients": ("U0ALICE", "U0BOB"),
        "idea_link": "https://example.slack.com/archives/C0IDEAS/p1",
        "previous_status": None,
    }
    values.update(fields)
    return StatusChange(**values)


def test_status_notice_author_and_voter() -> None:
    change = _status_change()

    author_text, author_blocks = status_notice(change, recipient="U0ALICE")
    voter_text, voter_blocks = status_notice(change, recipient="U0BOB")

    [author_body] = _sections(author_blocks)
    [voter_body] = _sections(voter_blocks)
    assert author_text == "Your idea is now marked Planned."
    assert voter_text == "An idea you voted for is now marked Planned."
    assert author_body.startswith("Your idea has an answer from <@U0LEAD>: *Planned*")
    assert voter_body.startswith("An idea you voted for has an answer from <@U0LEAD>")
    assert MENTIONS_ESCAPED in voter_body
    assert "Starting &lt;soon&gt; &amp; well" in voter_body
    assert "<https://example.slack.com/archives/C0IDEAS/p1|View the idea>" in voter_body


def test_status_notice_reply_update() -> None:
    change = _status_change(previous_status="planned", reply="Now starting in March")

    author_text, author_blocks = status_notice(change, recipient="U0ALICE")
    voter_text, voter_blocks = status_notice(change, recipient="U0BOB")

    [author_body] = _sections(author_blocks)
    [voter_body] = _sections(voter_blocks)
    assert author_text == "The reply to your idea is updated. It is still marked Planned."
    assert (
        voter_text == "The reply to an idea you voted for is updated. It is still marked Planned."
    )
    assert author_body.startswith("<@U0LEAD> updated the reply to your idea, which is still")
    assert voter_body.startswith("<@U0LEAD> updated the reply to an idea you voted for")
    assert "Now starting in March" in voter_body
    assert "now marked" not in author_text + author_body + voter_text + voter_body


def test_status_notice_without_reply_or_link() -> None:
    _, blocks = status_notice(_status_change(reply=None, idea_link=None), recipient="U0BOB")

    [body] = _sections(blocks)
    assert "View the idea" not in body
    assert len(body.splitlines()) == 2


def test_status_saved_counts() -> None:
    assert "3 people get a direct message" in status_saved(
        _status_change(recipients=("U1", "U2", "U3"))
    )
    assert "1 person gets a direct message" in status_saved(_status_change(recipients=("U1",)))
    assert "Nobody is notified" in status_saved(_status_change(recipients=()))
    unchanged = status_saved(_status_change(changed=False, change_id=None, recipients=()))
    assert "nothing changed and nobody was notified" in unchanged


def test_status_saved_reply_only() -> None:
    updated = status_saved(_status_change(previous_status="planned", recipients=("U1",)))
    removed = status_saved(_status_change(previous_status="planned", reply=None, recipients=()))

    assert updated.startswith("The reply to idea 7 is updated")
    assert "1 person gets a direct message" in updated
    assert removed.startswith("The reply to idea 7 is removed")
    assert "still marked Planned" in removed
    assert "Nobody is notified about a removed reply" in removed


def test_withdrawn_idea_redraws_as_its_notice() -> None:
    # A vote refresh or the close redraws from the row, and must not bring the text back.
    text, blocks = idea_message(_idea(withdrawn=True, text="Secret plan"), vote_count=3)
    assert text == WITHDRAWN_IDEA_NOTICE
    assert "Secret plan" not in str(blocks)
    assert "Vote" not in str(blocks)


def test_status_modal_owner_prefilled() -> None:
    idea = _idea(status="planned", status_owner="Estates team")

    view = status_modal(idea, status="in_progress")

    owner = next(b for b in view["blocks"] if b.get("block_id") == StatusIds.OWNER_BLOCK)
    assert owner["optional"] is True
    assert owner["element"]["initial_value"] == "Estates team"
    assert owner["element"]["max_length"] == MAX_OWNER_LENGTH
    chosen = next(b for b in view["blocks"] if b.get("block_id") == StatusIds.STATUS_BLOCK)
    assert chosen["element"]["initial_option"]["value"] == "in_progress"


def test_status_notice_from_cli_names_nobody() -> None:
    change = _status_change(changed_by=CLI_CHANGED_BY, owner="Estates <team>", idea_link=None)

    _, blocks = status_notice(change, recipient="U0ALICE")

    [body] = _sections(blocks)
    assert body.startswith("Your idea has an answer: *Planned*")
    assert "<@cli>" not in body
    assert "Owner: Estates &lt;team&gt;" in body
    assert "View the idea" not in body


def test_status_saved_owner_only() -> None:
    change = _status_change(
        previous_status="planned",
        previous_reply="Starting <soon> & well",
        owner="Facilities",
        previous_owner="Estates team",
        recipients=(),
    )

    saved = status_saved(change)

    assert saved.startswith("The owner of idea 7 is now Facilities")
    assert "Nobody is notified about a change of owner alone." in saved


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        (AnswerStats(1, 0, 0, 0, None), "*Answers:* the campaign has no ideas to answer."),
        (AnswerStats(1, 4, 0, 0, None), "*Answers:* none of the 4 ideas has an answer yet."),
        (
            AnswerStats(1, 4, 3, 1, 2.25),
            "*Answers:* 3 of 4 ideas answered (75%), 1 done · median 2.2 days to a first answer",
        ),
        (
            AnswerStats(1, 1, 1, 1, 1.0),
            "*Answers:* 1 of 1 idea answered (100%), 1 done · median 1 day",
        ),
    ],
)
def test_answers_text_cases(stats: AnswerStats, expected: str) -> None:
    assert answers_text(stats).startswith(expected)
