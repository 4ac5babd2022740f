"""Tests of the concern phrases and the explanation an author gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.checks.concerns import ConcernPhrases, load_concern_phrases
from bot.core.checks.explain import held_post_message
from bot.core.checks.findings import (
    BULLYING,
    NHS_NUMBER,
    OTHER_CONCERN,
    PATIENT_SAFETY,
    PHONE_NUMBER,
    WHISTLEBLOWING,
    Finding,
)

DEFAULTS = ConcernPhrases.build()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I am being bullied by a senior nurse", BULLYING),
        ("BEING   BULLIED on nights", BULLYING),
        ("My manager harassed me again", BULLYING),
        ("A patient was harmed last week", PATIENT_SAFETY),
        ("Unsafe staffing put patients at risk on Ward 6", PATIENT_SAFETY),
        ("They tried to cover up the fall", WHISTLEBLOWING),
        ("I want to raise a concern about my manager", WHISTLEBLOWING),
        ("Being bul\u200blied is hidden here", BULLYING),
    ],
)
def test_concern_found(text: str, kind: str) -> None:
    assert [finding.kind for finding in DEFAULTS.find(text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "Bullet points in the handover sheet would help",
        "Discover a better coffee machine",
        "Recover faster after night shifts with a rest room",
        "Put the rota online so we can swap shifts",
        # Naming the guardian is an idea about how concerns are heard, not a concern.
        "Add a Freedom to Speak Up guardian surgery in each base",
    ],
)
def test_ordinary_idea_not_concern(text: str) -> None:
    assert DEFAULTS.find(text) == ()


def test_phrases_file_extends_defaults(tmp_path: Path) -> None:
    path = tmp_path / "phrases.txt"
    path.write_text("# local phrases\n\nrota fiddling\n", encoding="utf-8")

    phrases = load_concern_phrases(path)

    assert phrases.find("Stop the ROTA fiddling") == (Finding(OTHER_CONCERN, 1),)
    assert phrases.find("I am being bullied") == (Finding(BULLYING, 1),)


def test_phrases_file_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="missing.txt"):
        load_concern_phrases(tmp_path / "missing.txt")


def test_message_names_contact() -> None:
    message = held_post_message(
        (Finding(WHISTLEBLOWING, 1),), contact="Jo Bloggs, ftsu@trust.nhs.uk"
    )

    assert "Freedom to Speak Up guardian: Jo Bloggs, ftsu@trust.nhs.uk." in message
    assert "Nothing you wrote has been passed on" in message


def test_message_without_contact() -> None:
    message = held_post_message((Finding(BULLYING, 1),), contact=None)

    assert "managers have not set a contact" in message


def test_message_lists_personal_data() -> None:
    message = held_post_message((Finding(NHS_NUMBER, 2), Finding(PHONE_NUMBER, 1)), contact=None)

    assert "it contains 2 NHS numbers and a phone number." in message
    assert "Freedom to Speak Up" not in message
