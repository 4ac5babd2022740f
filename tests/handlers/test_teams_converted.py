"""Slack's Block Kit messages converted to Adaptive Cards for Teams."""

from __future__ import annotations

from handlers.teams.converted import card_from_blocks, markdown


def test_markdown_drops_slack_markup() -> None:
    text = markdown(
        "Answer from <@00000000-0000-4000-9000-000000000001> in <#C0X|ideas>: *Planned*\n"
        "&gt; We start in May\nSee <https://example.org/a|the plan> :tada:"
    )
    assert text == (
        "Answer from a colleague in #ideas: **Planned**\n"
        "_We start in May_\nSee [the plan](https://example.org/a) 🎉"
    )


def test_markdown_names_a_teams_channel_without_its_id() -> None:
    text = markdown("Open now in <#19:staff@thread.tacv2> and <#19:wards@thread.tacv2|Wards>.")
    assert text == "Open now in the channel and #Wards."


def test_markdown_keeps_times_and_quotes() -> None:
    text = markdown(
        "Your board asks:\n>Where should we park?\n*Week to Monday 18 January 09:00:* 2 ideas"
    )
    assert (
        text
        == "Your board asks:\n_Where should we park?_\n**Week to Monday 18 January 09:00:** 2 ideas"
    )


def test_card_keeps_text_and_drops_buttons() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Daily digest"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*3 ideas* today"}},
        {"type": "actions", "elements": [{"type": "button", "action_id": "x"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "_12 days left_"}]},
    ]
    card = card_from_blocks(blocks, fallback="Daily digest")
    texts = [element.get("text") for element in card["body"]]
    assert texts == ["Daily digest", "**3 ideas** today", "_12 days left_"]
    assert card["actions"] == []


def test_card_of_no_blocks_shows_fallback() -> None:
    card = card_from_blocks(None, fallback="Your idea has an answer")
    assert [element["text"] for element in card["body"]] == ["Your idea has an answer"]
