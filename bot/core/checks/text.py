"""Normalisation of text before a check scans it."""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing or only change the direction of text:
# zero-width space, joiners and marks (U+200B-U+200F), word joiner and
# invisible operators (U+2060-U+2064), the byte order mark (U+FEFF), bidi
# embeddings and overrides (U+202A-U+202E) and bidi isolates (U+2066-U+2069).
# Slipped between the digits of an NHS number, they would hide it from a
# pattern while the reader still sees the number.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u202a-\u202e\u2066-\u2069\u00ad]")


def strip_invisible(text: str) -> str:
    """Remove zero-width, soft hyphen and bidi control characters from text."""
    return _INVISIBLE.sub("", text)


def normalise_for_scan(text: str) -> str:
    """Return text with invisible characters removed and NFKC applied.

    NFKC turns full-width and other compatibility digits (such as U+FF11 for
    1) and letters into their ASCII forms, so a check sees the number a reader
    sees. Arabic-Indic and other decimal digits that NFKC leaves alone are
    mapped to 0-9 as well.
    """
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    return "".join(_ascii_digit(character) for character in text)


def _ascii_digit(character: str) -> str:
    if character.isascii() or not character.isdecimal():
        return character
    return str(unicodedata.decimal(character))


# Bidi embeddings, overrides and isolates, the zero-width space and the byte
# order mark. Joiners (U+200C, U+200D) are kept because emoji sequences and
# some scripts need them.
_UNSAFE_FOR_DISPLAY = re.compile("[\u202a-\u202e\u2066-\u2069\u200b\ufeff]")


def clean_user_text(text: str) -> str:
    """Remove characters that change how the rest of a post is displayed.

    A right-to-left override in an idea would show the following text
    reversed, so a post could read differently from what was stored and checked.
    """
    return _UNSAFE_FOR_DISPLAY.sub("", text)
