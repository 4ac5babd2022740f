"""Slack's message views shown in Teams: Block Kit blocks converted to Adaptive Cards.

The reports, digests, reminders and notices the bot sends are built once, as Block
Kit messages in handlers.blocks. For Teams, their text and layout are converted:
mrkdwn becomes the Markdown subset of Adaptive Card TextBlocks, headers become
bold text, fields become fact lines, and buttons, which call Slack actions, are
left out. Mentions of Slack users and channels cannot be resolved in Teams and
are dropped, with their surrounding text kept.
"""

from __future__ import annotations

import html
import re
from typing import Any

from handlers.teams.cards import Card, Element, adaptive_card, card_size, text_block

# User and channel mentions. A channel id is Slack's (C0123) or Teams' (19:abc@thread.tacv2).
_USER = re.compile(r"<@[^>|\s]+(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[^>|\s]+(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<((?:https?|mailto):[^>]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])")
_EMOJI = {
    ":+1:": "👍",
    ":thumbsup:": "👍",
    ":bulb:": "💡",
    ":white_check_mark:": "✅",
    ":warning:": "⚠️",
    ":tada:": "🎉",
    ":calendar:": "📅",
    ":speech_balloon:": "💬",
    ":bar_chart:": "📊",
    ":hourglass_flowing_sand:": "⏳",
}
# An emoji code starts with a letter, so a time such as "09:00:" keeps its minutes.
_EMOJI_CODE = re.compile(r":[a-z][a-z0-9_+\-]*:")
# A converted card stays under this size; later blocks are cut with a note.
MAX_BYTES = 27 * 1024


def markdown(mrkdwn: str) -> str:
    """Return Slack mrkdwn as Adaptive Card Markdown."""
    text = _USER.sub("a colleague", mrkdwn)
    text = _CHANNEL.sub(
        lambda match: f"#{match.group(1)}" if match.group(1) else "the channel", text
    )
    text = _LINK.sub(lambda match: f"[{match.group(2)}]({match.group(1)})", text)
    text = _BARE_LINK.sub(lambda match: match.group(1), text)
    text = _BOLD.sub(r"**\1**", text)
    text = _STRIKE.sub(r"\1", text)
    for code, emoji in _EMOJI.items():
        text = text.replace(code, emoji)
    text = _EMOJI_CODE.sub("", text)
    lines = [_quote_as_italics(line) for line in text.split("\n")]
    return html.unescape("\n".join(lines))


def _quote_as_italics(line: str) -> str:
    # Adaptive Card Markdown has no block quotes, so a quoted line is shown in italics.
    for marker in ("&gt;", ">"):
        quoted = line[len(marker) :].strip() if line.startswith(marker) else ""
        if quoted:
            return f"_{quoted}_"
    return line


def _text_of(element: dict[str, Any] | None) -> str:
    if not element:
        return ""
    text = str(element.get("text") or "")
    return markdown(text) if element.get("type") == "mrkdwn" else text


def _rich_text(block: dict[str, Any]) -> str:
    parts: list[str] = []
    for section in block.get("elements") or []:
        for element in section.get("elements") or []:
            parts.append(str(element.get("text") or ""))
    return "".join(parts)


def _convert(block: dict[str, Any]) -> list[Element]:
    kind = block.get("type")
    if kind == "header":
        return [text_block(_text_of(block.get("text")), weight="Bolder", size="Medium")]
    if kind == "section":
        elements: list[Element] = []
        if block.get("text"):
            elements.append(text_block(_text_of(block["text"])))
        fields = [_text_of(field) for field in block.get("fields") or []]
        if fields:
            elements.append(text_block("\n\n".join(fields)))
        return elements
    if kind == "context":
        texts = [_text_of(element) for element in block.get("elements") or []]
        texts = [text for text in texts if text]
        return [text_block("  ".join(texts), subtle=True)] if texts else []
    if kind == "divider":
        return [{"type": "Container", "separator": True, "items": []}]
    if kind == "rich_text":
        return [text_block(_rich_text(block))]
    # Buttons, inputs and images call Slack or show Slack files: not shown in Teams.
    return []


def card_from_blocks(blocks: list[dict[str, Any]] | None, *, fallback: str) -> Card:
    """Return the Adaptive Card that shows a Block Kit message, or its fallback text."""
    body: list[Element] = []
    for block in blocks or []:
        body.extend(_convert(block))
    if not body:
        body = [text_block(markdown(fallback))]
    card = adaptive_card(body)
    while card_size(card) > MAX_BYTES and len(card["body"]) > 1:
        card["body"] = card["body"][:-2] + [text_block("The rest is left out here.", subtle=True)]
    return card
