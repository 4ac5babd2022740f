"""The set of checks run on every post before it is published."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.checks.concerns import ConcernPhrases
from bot.core.checks.findings import Finding
from bot.core.checks.personal_data import find_personal_data


@dataclass(frozen=True)
class PostChecks:
    """The checks run on every post, and the Freedom to Speak Up contact named to authors."""

    phrases: ConcernPhrases = field(default_factory=ConcernPhrases.build)
    speak_up_contact: str | None = None

    def scan(self, *texts: str | None) -> tuple[Finding, ...]:
        """Return personal data and concerns found in the texts, personal data first."""
        joined = "\n".join(text for text in texts if text)
        return find_personal_data(joined) + self.phrases.find(joined)
