"""Spot posts that read like a concern for the Freedom to Speak Up guardian.

A staff conversation is the wrong place for a patient-safety concern,
bullying or harassment, or whistleblowing, because it is neither private
nor followed up. A post is matched against a list of phrases, each
case-insensitively on word boundaries, with any run of spaces between its
words. Phrases read from a file (one a line, blank lines and lines starting
with # skipped) are added to the defaults, never replace them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.core.checks.findings import (
    BULLYING,
    CONCERN_KINDS,
    OTHER_CONCERN,
    PATIENT_SAFETY,
    WHISTLEBLOWING,
    Finding,
    count_findings,
)
from bot.core.checks.text import normalise_for_scan

DEFAULT_PHRASES: Mapping[str, tuple[str, ...]] = {
    PATIENT_SAFETY: (
        "patient was harmed",
        "patients were harmed",
        "patient came to harm",
        "harmed a patient",
        "put patients at risk",
        "putting patients at risk",
        "patients are at risk",
        "patients at risk",
        "unsafe staffing",
        "unsafe care",
        "unsafe practice",
        "patient safety concern",
        "patient died",
        "avoidable death",
        "patient neglect",
        "neglected patients",
        "safeguarding concern",
        "drug error",
        "medication error",
    ),
    BULLYING: (
        "being bullied",
        "bullied",
        "bullying",
        "bully",
        "harassed",
        "harassment",
        "sexual harassment",
        "intimidated",
        "victimised",
        "discriminated against",
        "discrimination",
        "racist",
        "racism",
        "sexist",
        "homophobic",
        "humiliated",
        "shouted at",
        "threatened me",
    ),
    WHISTLEBLOWING: (
        "whistleblowing",
        "whistleblow",
        "whistleblower",
        "whistle blow",
        "blow the whistle",
        "cover up",
        "cover-up",
        "covered up",
        "covering up",
        "raise a concern",
        "raise a concern about my manager",
        "raising a concern",
        "fraud",
        "falsified",
        "falsifying records",
        "corruption",
    ),
}


@dataclass(frozen=True)
class ConcernPhrases:
    """Compiled phrases per kind of concern."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def build(
        cls,
        phrases: Mapping[str, Iterable[str]] = DEFAULT_PHRASES,
        *,
        extra: Iterable[str] = (),
    ) -> ConcernPhrases:
        """Compile phrases by kind, with extra phrases counted as OTHER_CONCERN."""
        patterns = [
            (kind, _phrase_pattern(phrase))
            for kind, kind_phrases in phrases.items()
            for phrase in kind_phrases
        ]
        patterns.extend((OTHER_CONCERN, _phrase_pattern(phrase)) for phrase in extra)
        return cls(tuple(patterns))

    def find(self, text: str) -> tuple[Finding, ...]:
        """Return the kinds of concern text reads like, each counted once per kind."""
        scanned = normalise_for_scan(text)
        kinds = {kind for kind, pattern in self.patterns if pattern.search(scanned)}
        return count_findings(kinds, order=CONCERN_KINDS)


def read_phrases_file(path: Path) -> list[str]:
    """Read extra concern phrases, one a line, skipping blank lines and # comments.

    Raises ValueError naming the file when it cannot be read as UTF-8 text.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read concern phrases from {path}: {error}") from None
    phrases = [line.strip() for line in lines]
    return [phrase for phrase in phrases if phrase and not phrase.startswith("#")]


def load_concern_phrases(path: Path | None) -> ConcernPhrases:
    """Return the default phrases, plus those in the file at path when one is given."""
    extra = read_phrases_file(path) if path is not None else []
    return ConcernPhrases.build(DEFAULT_PHRASES, extra=extra)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    words = normalise_for_scan(phrase).split()
    if not words:
        raise ValueError("a concern phrase must contain a word")
    body = r"\s+".join(re.escape(word) for word in words)
    # \b only applies next to a word character; a phrase ending in punctuation
    # is bounded by "not a word character" instead.
    start = r"\b" if re.match(r"\w", words[0]) else r"(?<!\w)"
    end = r"\b" if re.search(r"\w$", words[-1]) else r"(?!\w)"
    return re.compile(start + body + end, re.IGNORECASE)
