"""Scan text for patient-identifiable data: NHS numbers, phone numbers, emails, postcodes, DOBs.

The patterns favour few false positives in ordinary staff ideas over
catching every way of writing personal data; the rules per kind are:

- NHS number: 10 digits, alone or grouped 3-3-4 with single spaces or
  hyphens, whose modulus-11 check digit is valid.
- UK phone number: +44, 0044 or 0, then a national number starting 1, 2,
  3 or 7 with 10 digits in all after the 0 (landlines 01/02/03, mobiles
  07), with spaces, hyphens or a bracketed area code. Older 10-digit
  numbers are not matched.
- Email address: name@domain.tld.
- UK postcode: a full postcode (outward and inward code, such as SW1A 1AA
  or B33 8TH) in either case, except a lower-case inward code that reads
  as an ordinal such as "b4 2nd".
- Date of birth: a date with day, month and year (12/03/1954, 4.5.61,
  4 May 1961) when a birth word ("DOB", "D.O.B.", "date of birth", "born")
  or a title with a surname ("Mrs Smith", "Dr Patel") is within 30
  characters before it. A date without a year, or with a year alone, is never one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.checks.findings import (
    DATE_OF_BIRTH,
    EMAIL_ADDRESS,
    NHS_NUMBER,
    PERSONAL_DATA_KINDS,
    PHONE_NUMBER,
    POSTCODE,
    Finding,
    count_findings,
)
from bot.core.checks.text import normalise_for_scan

# Not inside a longer number, a decimal or a figure with thousands separators.
# Groups may be split by up to three spaces, line breaks, hyphens, slashes or dots, as
# people type them ("943 - 476 - 5919", one group a line).
_NHS_NUMBER = re.compile(r"(?<![\d.,])(\d{3})[\s./-]{0,3}(\d{3})[\s./-]{0,3}(\d{4})(?!\d|[.,]\d)")
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+|00)44[ -]?(?:\(0\)[ -]?)?\(?|\(?0)"
    r"[1237](?:[ )-]{0,2}\d){9}"
    r"(?!\d)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# The outward code forms A9, A99, AA9, AA99, A9A and AA9A with the letters
# Royal Mail allows in each position, then the inward code 9AA.
_POSTCODE = re.compile(
    r"\b("
    r"[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRV-Y])"
    r")\s?(\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
_ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
_FLOOR_AFTER = re.compile(r"\s+floor\b", re.IGNORECASE)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_FULL_DATE = re.compile(
    r"(?<![\d/.-])(?:"
    r"(?:0?[1-9]|[12]\d|3[01])([/.-])(?:0?[1-9]|1[0-2])\1(?:\d{4}|\d{2})"
    rf"|(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+"
    r"(?:\d{4}|'\d{2})"
    rf"|{_MONTHS}\.?\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+\d{{4}}"
    r"|(?:19|20)\d{2}([/.-])(?:0?[1-9]|1[0-2])\2(?:0?[1-9]|[12]\d|3[01])"
    r")(?![\d/.-]\d)",
    re.IGNORECASE,
)
# How far before a date a birth word or a titled name may stand, in characters.
_CONTEXT_BEFORE = 30
_BIRTH_WORD = re.compile(r"\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|born|birth\s*date)", re.IGNORECASE)
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Master)\.?\s+[A-Z][a-z'-]+")


def find_personal_data(text: str) -> tuple[Finding, ...]:
    """Return the kinds of personal data in text with their counts; empty when none.

    Invisible characters are removed and Unicode digits normalised first, so
    a number broken up by zero-width characters is still found. A span that
    matches one kind is not matched again as another.
    """
    scanned = normalise_for_scan(text)
    kinds: list[str] = []
    scanned = _take(scanned, _EMAIL, EMAIL_ADDRESS, kinds)
    scanned = _take(scanned, _NHS_NUMBER, NHS_NUMBER, kinds, accept=_is_nhs_number)
    scanned = _take(scanned, _PHONE, PHONE_NUMBER, kinds)
    scanned = _take(scanned, _POSTCODE, POSTCODE, kinds, accept=_is_postcode)
    _take(scanned, _FULL_DATE, DATE_OF_BIRTH, kinds, accept=_is_birth_date)
    return count_findings(kinds, order=PERSONAL_DATA_KINDS)


def is_valid_nhs_number(digits: str) -> bool:
    """Return whether 10 digits form an NHS number with a valid modulus-11 check digit.

    The first nine digits are weighted 10 down to 2; 11 minus the sum's
    remainder by 11 is the check digit, 11 stands for 0, and 10 means no
    valid number has these nine digits.
    """
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _take(
    text: str,
    pattern: re.Pattern[str],
    kind: str,
    kinds: list[str],
    *,
    accept: Callable[[re.Match[str], str], bool] | None = None,
) -> str:
    """Record each accepted match of pattern as kind and blank it out of the returned text."""
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        if accept is not None and not accept(match, text):
            continue
        kinds.append(kind)
        pieces.append(text[last : match.start()])
        # Spaces keep the offsets of the rest of the text and break up digit runs.
        pieces.append(" " * (match.end() - match.start()))
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _is_nhs_number(match: re.Match[str], _text: str) -> bool:
    return is_valid_nhs_number(match.group(1) + match.group(2) + match.group(3))


def _is_postcode(match: re.Match[str], text: str) -> bool:
    inward = match.group(2)
    letters = inward[1:]
    if letters.lower() in _ORDINAL_SUFFIXES:
        # "b4 2nd" or "Room B4 2ND floor" is a room and a floor, not a postcode.
        if letters.islower() or _FLOOR_AFTER.match(text, match.end()):
            return False
    return True


def _is_birth_date(match: re.Match[str], text: str) -> bool:
    before = text[max(0, match.start() - _CONTEXT_BEFORE) : match.start()]
    return bool(_BIRTH_WORD.search(before) or _TITLED_NAME.search(before))
