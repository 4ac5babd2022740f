"""Tests of the personal-data scan: what it finds and the ordinary ideas it lets through."""

from __future__ import annotations

import pytest

from bot.core.checks.findings import (
    DATE_OF_BIRTH,
    EMAIL_ADDRESS,
    NHS_NUMBER,
    PHONE_NUMBER,
    POSTCODE,
    Finding,
)
from bot.core.checks.personal_data import find_personal_data, is_valid_nhs_number


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_personal_data(text)]


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("9434765919", True),
        ("4010232137", True),
        ("4010232138", False),
        ("1234567890", False),
        # The first nine digits give a check value of 10, so no tenth digit is valid.
        ("0000000060", False),
        ("943476591", False),
    ],
)
def test_nhs_number_check_digit(digits: str, valid: bool) -> None:
    assert is_valid_nhs_number(digits) is valid


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Patient 9434765919 waited six hours", NHS_NUMBER),
        ("NHS no 943 476 5919 was on the wrong wristband", NHS_NUMBER),
        ("Check 943-476-5919 please", NHS_NUMBER),
        ("Mixed 943 476-5919 grouping", NHS_NUMBER),
        ("Label 943.476.5919 on the form", NHS_NUMBER),
        ("Label 943  476  5919 spaced twice", NHS_NUMBER),
        ("Tabs 943\t476\t5919 between", NHS_NUMBER),
        ("One group a line 943\n476\n5919", NHS_NUMBER),
        ("Wristband 943/476/5919 today", NHS_NUMBER),
        ("Spaced 943 - 476 - 5919 out", NHS_NUMBER),
        ("Zero width 943\u200b476\u200d5919 inside", NHS_NUMBER),
        ("Hidden \u202e943 476 5919\u202c by an override", NHS_NUMBER),
        ("Word joiner 9\u20604\u20633\ufeff4765919", NHS_NUMBER),
        ("Full width \uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19", NHS_NUMBER),
        ("Arabic-Indic \u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669", NHS_NUMBER),
        ("Call her on 07700 900123", PHONE_NUMBER),
        ("Mobile 07700900123", PHONE_NUMBER),
        ("Ring +44 7700 900123 after 5", PHONE_NUMBER),
        ("Ring +44 (0)20 7946 0018", PHONE_NUMBER),
        ("Landline (01234) 567890", PHONE_NUMBER),
        ("Landline 0161-496-0000", PHONE_NUMBER),
        ("Switchboard 0300 123 4567", PHONE_NUMBER),
        ("Email jo.bloggs@nhs.net about it", EMAIL_ADDRESS),
        ("Slack link <mailto:a.b@trust.nhs.uk|a.b@trust.nhs.uk>", EMAIL_ADDRESS),
        ("Lives at SW1A 1AA", POSTCODE),
        ("Lives at B33 8TH", POSTCODE),
        ("lives at m1 1ae", POSTCODE),
        ("Lives at CR26XH", POSTCODE),
        ("Mrs Smith, DOB 12/03/1954, fell", DATE_OF_BIRTH),
        ("John Brown born 4.5.61 was moved", DATE_OF_BIRTH),
        ("Mr Patel 01-02-1950 on the list", DATE_OF_BIRTH),
        ("Date of birth 4 May 1961", DATE_OF_BIRTH),
        ("d.o.b. 30/11/48", DATE_OF_BIRTH),
        ("date of birth 1961-05-04 for Mr Khan", DATE_OF_BIRTH),
        ("date of birth: 1961/05/04 Mr Khan", DATE_OF_BIRTH),
        ("Mr Khan born May 4 1961", DATE_OF_BIRTH),
        ("Mr Khan born 4th of May 1961", DATE_OF_BIRTH),
    ],
)
def test_personal_data_found(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


def test_several_kinds_counted() -> None:
    text = (
        "Mrs Smith, DOB 12/03/1954, NHS 943 476 5919 and 401 023 2137, "
        "07700 900123, jo@example.org, SW1A 1AA"
    )

    assert find_personal_data(text) == (
        Finding(NHS_NUMBER, 2),
        Finding(PHONE_NUMBER, 1),
        Finding(EMAIL_ADDRESS, 1),
        Finding(POSTCODE, 1),
        Finding(DATE_OF_BIRTH, 1),
    )


ORDINARY_IDEAS = [
    "Ward 10 needs a second drugs trolley",
    "We have 12 beds but staff for 10",
    "Move the huddle to 09:15",
    "The 0930 huddle clashes with ward rounds",
    "Spend £1,500 on a new sofa for the staff room",
    "A budget of £25,000 for training",
    "Ring ext 4567 for the porters",
    "Extension 24567 never answers",
    "Discuss it at the meeting on 12/03",
    "Team meeting on 12/03/2025 to plan rotas",
    "Room 2.14 is always too cold",
    "Open room B4 2nd floor on Fridays",
    "Since 2019 nothing has changed",
    "Only 85% of shifts are filled",
    "A reference like 1234567890 has a wrong check digit",
    "Order number 4010232138 arrived late",
    "Bay 3 and bay 4 share one sink",
    "Band 5 nurses should rotate through A&E",
    "Parking permits cost £12.50 a month",
    "Shift 19:30-07:30 is too long without a break",
    "Use the M6 toll for the community team",
    "The COVID-19 ward reopened in 2021",
    "Fix the printer on level 3 by 3pm",
    "Open the canteen from 7am to 7pm",
    "Our team of 40 did 1,200 visits last month",
    "Version 2.3.1 of the rota app crashes",
    "Level 2 car park needs 50 more spaces",
    "Ward 4B and ward 7A should share a housekeeper",
    "Triage within 15 minutes, as NICE says",
    "Call 111 or 999 in an emergency, put that on the poster",
    "The 24/7 helpdesk takes 30 mins to answer",
    "Add a 5-10 minute debrief after each shift",
    "Dr Patel's clinic on 3rd June was a great model",
    "Print 500 leaflets for the 2026 open day",
    "Audit 1 in 10 notes each quarter",
    "Thanks to Mr Jones for the 12 months of night cover",
    "Year 1 students need a better induction",
    "Save 0.5 WTE by merging the two rotas",
    "Emoji only 👍👍🎉",
    "Room B4 2ND floor is cold",
    "Invoice 123.456.7890 is paid",
    "Meeting on 2027-03-04 at 10",
    "Meeting May 4 2027 at 10",
    "Invoice 123/456/7890 is paid",
    "Swap the rota on 2027/03/04",
]


@pytest.mark.parametrize("text", ORDINARY_IDEAS)
def test_ordinary_idea_passes(text: str) -> None:
    assert find_personal_data(text) == ()
