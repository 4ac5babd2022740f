"""Tests of the held-post message and the idea form filled in from a draft."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.checks.findings import BULLYING, Finding
from bot.core.held_posts import HeldDraft
from handlers.blocks.held_posts import HeldPostIds, held_post_blocks, prefill_idea_modal
from handlers.blocks.ideas import idea_modal
from handlers.ids import IdeaIds

DRAFT = HeldDraft(
    id=7,
    kind="idea",
    payload={"text": "I am being bullied", "detail": "<!channel> *x*", "anonymous": True},
    findings=(Finding(BULLYING, 1),),
    expires_at=datetime(2027, 1, 12, tzinfo=UTC),
)


def test_held_message_escapes_contact() -> None:
    _text, blocks = held_post_blocks(DRAFT, contact="Jo <!channel> <https://evil|click>")

    section = blocks[0]["text"]["text"]
    assert "&lt;!channel&gt;" in section
    assert "<" not in section


def test_held_message_three_buttons() -> None:
    _text, blocks = held_post_blocks(DRAFT, contact=None)

    buttons = blocks[-1]["elements"]
    assert [button["action_id"] for button in buttons] == [
        HeldPostIds.EDIT_ACTION,
        HeldPostIds.POST_ACTION,
        HeldPostIds.WITHDRAW_ACTION,
    ]
    assert {button["value"] for button in buttons} == {"7"}


def test_prefill_copies_draft() -> None:
    view = prefill_idea_modal(idea_modal(channel_id="C1"), DRAFT)

    elements = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert elements[IdeaIds.TEXT_BLOCK]["initial_value"] == "I am being bullied"
    # Plain-text inputs show their value literally, so the detail is not escaped.
    assert elements[IdeaIds.DETAIL_BLOCK]["initial_value"] == "<!channel> *x*"
    assert elements[IdeaIds.ANONYMOUS_BLOCK]["initial_options"][0]["value"] == "anonymous"
