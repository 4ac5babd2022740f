"""Plain-text explanations of findings for the author of a held post.

The texts use no chat formatting, so any platform can show them; a Slack
handler escapes them like other text.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.checks.findings import (
    BULLYING,
    DATE_OF_BIRTH,
    EMAIL_ADDRESS,
    NHS_NUMBER,
    OTHER_CONCERN,
    PATIENT_SAFETY,
    PHONE_NUMBER,
    POSTCODE,
    WHISTLEBLOWING,
    Finding,
)

_NAMES = {
    NHS_NUMBER: ("an NHS number", "NHS numbers"),
    PHONE_NUMBER: ("a phone number", "phone numbers"),
    EMAIL_ADDRESS: ("an email address", "email addresses"),
    POSTCODE: ("a postcode", "postcodes"),
    DATE_OF_BIRTH: ("what looks like a date of birth", "what look like dates of birth"),
    PATIENT_SAFETY: ("a patient-safety concern", "patient-safety concerns"),
    BULLYING: ("bullying or harassment", "bullying or harassment"),
    WHISTLEBLOWING: ("whistleblowing", "whistleblowing"),
    OTHER_CONCERN: ("a concern your organisation asks to be raised elsewhere",) * 2,
}

PERSONAL_DATA_REASON = (
    "Details that could identify a patient or another person must not be shared in a staff "
    "conversation: everyone in the channel can read them, and they stay in the chat history. "
    'Remove or replace them (say "a patient" rather than a name or number) and post again.'
)


def describe_findings(findings: Iterable[Finding]) -> str:
    """Return the findings as one phrase, such as "an NHS number and 2 phone numbers"."""
    parts = []
    for finding in findings:
        singular, plural = _NAMES.get(finding.kind, (finding.kind, finding.kind))
        if finding.count == 1 or singular == plural:
            parts.append(singular)
        else:
            parts.append(f"{finding.count} {plural}")
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def speak_up_guidance(contact: str | None) -> str:
    """Return where a concern should go, naming the Freedom to Speak Up contact when set."""
    if contact:
        where = f"contact your Freedom to Speak Up guardian: {contact}."
    else:
        where = (
            "contact your organisation's Freedom to Speak Up guardian; your managers have not "
            "set a contact for this bot, so look for the guardian on your intranet."
        )
    return (
        "A staff ideas channel is not private and nobody follows up a concern raised here. "
        "For a patient-safety concern, bullying or harassment, or whistleblowing, talk to your "
        "line manager if you can, or " + where + " Nothing you wrote has been passed on to anyone."
    )


def held_post_message(findings: Iterable[Finding], *, contact: str | None) -> str:
    """Return the private message telling an author why their post was held back."""
    found = tuple(findings)
    personal = [finding for finding in found if finding.is_personal_data]
    concerns = [finding for finding in found if not finding.is_personal_data]
    paragraphs = []
    if personal:
        paragraphs.append(
            f"Your post was not published: it contains {describe_findings(personal)}. "
            + PERSONAL_DATA_REASON
        )
    if concerns:
        lead = "It also reads" if personal else "Your post was not published yet: it reads"
        paragraphs.append(
            f"{lead} like {describe_findings(concerns)}. " + speak_up_guidance(contact)
        )
    paragraphs.append(
        "Edit it, post it anyway (managers will see it flagged for review), or withdraw it. "
        "The draft is kept for 24 hours."
    )
    return "\n\n".join(paragraphs)
