"""Findings of a check on a post: kinds and counts, never the matched text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

# Kinds of personal data, in the order a message lists them.
NHS_NUMBER = "nhs_number"
PHONE_NUMBER = "phone_number"
EMAIL_ADDRESS = "email_address"
POSTCODE = "postcode"
DATE_OF_BIRTH = "date_of_birth"
PERSONAL_DATA_KINDS = (NHS_NUMBER, PHONE_NUMBER, EMAIL_ADDRESS, POSTCODE, DATE_OF_BIRTH)

# Kinds of concern that belong with the Freedom to Speak Up guardian.
PATIENT_SAFETY = "patient_safety"
BULLYING = "bullying"
WHISTLEBLOWING = "whistleblowing"
# A phrase added through STAFFVOICE_CONCERN_PHRASES_FILE.
OTHER_CONCERN = "other_concern"
CONCERN_KINDS = (PATIENT_SAFETY, BULLYING, WHISTLEBLOWING, OTHER_CONCERN)


@dataclass(frozen=True)
class Finding:
    """One kind of thing a check found, and how many times."""

    kind: str
    count: int

    @property
    def is_personal_data(self) -> bool:
        """Return whether the finding is personal data rather than a concern."""
        return self.kind in PERSONAL_DATA_KINDS


def count_findings(kinds: Iterable[str], *, order: tuple[str, ...]) -> tuple[Finding, ...]:
    """Group found kinds into findings with counts, in the given order of kinds."""
    counts = Counter(kinds)
    return tuple(Finding(kind, counts[kind]) for kind in order if counts[kind])


def findings_to_json(findings: Iterable[Finding]) -> list[dict[str, object]]:
    """Return findings as JSON-ready dicts of kind and count."""
    return [{"kind": finding.kind, "count": finding.count} for finding in findings]


def findings_from_json(data: object) -> tuple[Finding, ...]:
    """Read findings stored by findings_to_json, skipping entries of another shape."""
    if not isinstance(data, list):
        return ()
    found = []
    for entry in data:
        if isinstance(entry, dict) and isinstance(entry.get("kind"), str):
            count = entry.get("count")
            found.append(Finding(entry["kind"], count if isinstance(count, int) else 1))
    return tuple(found)
