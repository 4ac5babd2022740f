"""Block Kit for a post held back by the checks: the findings and the author's three choices."""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Any

from bot.core.checks.explain import held_post_message
from bot.core.held_posts import HeldDraft
from handlers.blocks.ideas import Blocks
from handlers.ids import IdeaIds
from handlers.mrkdwn import escape, pack_lines


class HeldPostIds(StrEnum):
    """Identifiers of the buttons on a held post's private message."""

    ACTIONS_BLOCK = "held-post-actions"
    EDIT_ACTION = "held-post-edit"
    POST_ACTION = "held-post-post-anyway"
    WITHDRAW_ACTION = "held-post-withdraw"


def held_post_blocks(draft: HeldDraft, *, contact: str | None) -> tuple[str, Blocks]:
    """Build the private message about a held post, with Edit, Post anyway and Withdraw."""
    text = held_post_message(draft.findings, contact=contact)
    value = str(draft.id)
    blocks: Blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in pack_lines([escape(text)])
    ]
    blocks.append(
        {
            "type": "actions",
            "block_id": HeldPostIds.ACTIONS_BLOCK,
            "elements": [
                _button("Edit", HeldPostIds.EDIT_ACTION, value, style="primary"),
                _button("Post anyway", HeldPostIds.POST_ACTION, value),
                _button("Withdraw", HeldPostIds.WITHDRAW_ACTION, value, style="danger"),
            ],
        }
    )
    return text, blocks


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style is not None:
        button["style"] = style
    return button


def prefill_idea_modal(view: dict[str, Any], draft: HeldDraft) -> dict[str, Any]:
    """Return a copy of the idea modal with the draft's text, detail and anonymity filled in."""
    filled = copy.deepcopy(view)
    payload = draft.payload
    for block in filled["blocks"]:
        element = block.get("element") or {}
        if block.get("block_id") == IdeaIds.TEXT_BLOCK and payload.get("text"):
            element["initial_value"] = str(payload["text"])
        elif block.get("block_id") == IdeaIds.DETAIL_BLOCK and payload.get("detail"):
            element["initial_value"] = str(payload["detail"])
        elif block.get("block_id") == IdeaIds.ANONYMOUS_BLOCK and payload.get("anonymous"):
            options = element.get("options") or []
            if options:
                element["initial_options"] = options[:1]
    return filled
