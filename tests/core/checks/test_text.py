"""Tests of the text cleaning applied to posts before they are checked and published."""

from __future__ import annotations

from bot.core.checks.text import clean_user_text, normalise_for_scan

HEALTH_WORKER = "\U0001f469\u200d\u2695\ufe0f"


def test_clean_removes_direction_controls() -> None:
    text = "Fix \u202ethe rota\u202c now \u2066please\u2069\u200b\ufeff"

    assert clean_user_text(text) == "Fix the rota now please"


def test_clean_keeps_emoji_joiners() -> None:
    assert clean_user_text(f"Thanks {HEALTH_WORKER}") == f"Thanks {HEALTH_WORKER}"


def test_clean_keeps_markup_for_escaping() -> None:
    # Escaping happens where text is rendered, so the stored idea keeps what was typed.
    assert clean_user_text("<!channel> *bold*") == "<!channel> *bold*"


def test_scan_text_normalised() -> None:
    assert normalise_for_scan("\uff11\u200b\u0662\u2060x") == "12x"
