"""Escaping of user text for Slack mrkdwn."""

from __future__ import annotations

# Slack parses only these three characters as control characters in message
# text; escaping them turns <!channel>, <@U123> and <https://x|y> into plain
# text that pings and links nobody.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str) -> str:
    """Escape &, < and > so Slack shows text literally instead of as mentions or links."""
    return text.translate(_ESCAPES)


def split_for_sections(text: str, *, limit: int = 3000) -> list[str]:
    """Split escaped text into pieces within Slack's 3,000-character section text limit.

    Splits at the last line break or space before the limit, and never inside
    an escape sequence such as &amp;.
    """
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit))
        if cut <= 0:
            cut = limit
            entity_start = rest.rfind("&", cut - 5, cut)
            if entity_start != -1 and ";" not in rest[entity_start:cut]:
                cut = entity_start
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip(" ")
    pieces.append(rest)
    return pieces


def pack_lines(lines: list[str], *, limit: int = 3000) -> list[str]:
    """Join lines into as few texts of at most limit characters as fit, splitting long ones."""
    texts: list[str] = []
    current = ""
    for line in lines:
        for piece in split_for_sections(line, limit=limit):
            if current and len(current) + 1 + len(piece) <= limit:
                current = f"{current}\n{piece}"
            else:
                if current:
                    texts.append(current)
                current = piece
    if current:
        texts.append(current)
    return texts


def excerpt(text: str, *, length: int) -> str:
    """Return the first `length` characters of text on one line, with an ellipsis if cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
