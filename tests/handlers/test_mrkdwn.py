"""Escaping and splitting of user text for Slack mrkdwn."""

from __future__ import annotations

import re

import pytest

from handlers.mrkdwn import escape, excerpt, split_for_sections

SECTION_LIMIT = 3000
BROKEN_ENTITY_AT_END = re.compile(r"&[a-z]{0,3}$")
BROKEN_ENTITY_AT_START = re.compile(r"^(amp|lt|gt|mp|p|t);")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain text", "plain text"),
        ("", ""),
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<!everyone>", "&lt;!everyone&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<#C123|general>", "&lt;#C123|general&gt;"),
        ("<https://x|y>", "&lt;https://x|y&gt;"),
        ("&amp; typed by hand", "&amp;amp; typed by hand"),
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("*bold* _italic_ `code` :+1:", "*bold* _italic_ `code` :+1:"),
        ("café ☕ — 9:15", "café ☕ — 9:15"),
    ],
)
def test_escape_cases(raw: str, expected: str) -> None:
    assert escape(raw) == expected


def test_escape_leaves_no_control_characters() -> None:
    escaped = escape("<<&>> <!subteam^S123> &lt;")

    assert "<" not in escaped
    assert ">" not in escaped
    assert not re.search(r"&(?!amp;|lt;|gt;)", escaped)


def test_split_short_text_whole() -> None:
    assert split_for_sections("short") == ["short"]
    assert split_for_sections("x" * SECTION_LIMIT) == ["x" * SECTION_LIMIT]
    assert split_for_sections("") == [""]


def test_split_at_last_space() -> None:
    words = " ".join(f"word{number:04d}" for number in range(700))

    pieces = split_for_sections(words)

    assert len(pieces) == 3
    for piece in pieces:
        assert 0 < len(piece) <= SECTION_LIMIT
        assert not piece.startswith(" ")
        assert re.fullmatch(r"(word\d{4} ?)+", piece), piece[:40]
    assert " ".join(piece.strip() for piece in pieces) == words


def test_split_at_line_break() -> None:
    text = "a" * 2500 + "\n" + "b" * 1000

    pieces = split_for_sections(text)

    assert pieces == ["a" * 2500, "\n" + "b" * 1000]


def test_split_without_spaces() -> None:
    pieces = split_for_sections("z" * 7000)

    assert [len(piece) for piece in pieces] == [3000, 3000, 1000]


@pytest.mark.parametrize("offset", range(8))
def test_split_keeps_entities_whole(offset: int) -> None:
    # Puts an escape sequence at every position across the 3,000-character limit.
    text = "a" * (SECTION_LIMIT - offset) + "&amp;&lt;&gt;" * 3 + "b" * 50

    pieces = split_for_sections(text)

    assert "".join(pieces) == text
    for piece in pieces:
        assert len(piece) <= SECTION_LIMIT
        assert not BROKEN_ENTITY_AT_END.search(piece), piece[-8:]
        assert not BROKEN_ENTITY_AT_START.search(piece), piece[:8]


def test_split_escaped_idea_limits() -> None:
    # The longest idea (1,000 characters) and detail (3,000) grow fivefold when every
    # character is "&".
    for length in (1000, 3000):
        escaped = escape("&" * length)

        pieces = split_for_sections(escaped)

        assert "".join(pieces) == escaped
        assert all(0 < len(piece) <= SECTION_LIMIT for piece in pieces)
        assert all(piece.count("&") == piece.count("&amp;") for piece in pieces)


def test_split_custom_limit() -> None:
    assert split_for_sections("aaa bbb ccc", limit=5) == ["aaa", "bbb", "ccc"]


def test_excerpt_short_unchanged() -> None:
    assert excerpt("A short idea", length=20) == "A short idea"
    assert excerpt("x" * 20, length=20) == "x" * 20


def test_excerpt_flattens_whitespace() -> None:
    assert excerpt("one\ntwo\t three   four", length=50) == "one two three four"


def test_excerpt_cut_with_ellipsis() -> None:
    cut = excerpt("word " * 40, length=30)

    assert len(cut) <= 30
    assert cut.endswith("…")
    assert not cut.endswith(" …")
    assert cut.startswith("word word")
