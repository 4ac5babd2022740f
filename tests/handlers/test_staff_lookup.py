"""Matching the staff list to Slack accounts through slack_sdk against the Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.core.clock import ManualClock
from bot.core.directory import import_staff
from bot.core.staff_matching import match_pending
from bot.simulate.slack_standin import SlackStandIn
from handlers.staff_lookup import SlackEmailLookup
from storage.database import Database
from storage.models import StaffMember

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
TOKEN = "xoxb-lookup-test"
USERS = {
    "U0ANN": {"profile": {"email": "Ann@X.nhs.uk"}},
    "U0CAT": {"profile": {"email": "cat@x.nhs.uk"}, "deleted": True},
    "U0DOG": {"profile": {"email": "dog@x.nhs.uk"}, "is_bot": True},
    "U0EVE": {"profile": {"email": "eve@x.nhs.uk"}},
}
EMAILS = ["ann@x.nhs.uk", "bob@x.nhs.uk", "cat@x.nhs.uk", "dog@x.nhs.uk", "eve@x.nhs.uk"]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(
        bot_token=TOKEN, users=USERS, rate_limits={"users.lookupByEmail": 3}
    ) as running:
        yield running


def load_staff(db: Database, clock: ManualClock, tmp_path: Path) -> None:
    rows = [f"{email},Estates,5,Estates and Ancillary,North" for email in EMAILS]
    path = tmp_path / "staff.csv"
    path.write_text("Email,Directorate,Band,Staff Group,Locality\n" + "\n".join(rows))
    import_staff(db, path, now=clock.now())


def match_states(db: Database) -> dict[str, tuple[str, str | None]]:
    with db.transaction() as session:
        return {
            row.email: (row.match_state, row.user_id)
            for row in session.scalars(select(StaffMember))
        }


@SQLITE_ONLY
def test_match_waits_and_resumes(
    db: Database, clock: ManualClock, tmp_path: Path, standin: SlackStandIn
) -> None:
    load_staff(db, clock, tmp_path)
    retry_waits: list[float] = []
    pacing_waits: list[float] = []

    def wait_retry_after(seconds: float) -> None:
        retry_waits.append(seconds)
        standin.clear_rate_windows()

    lookup = SlackEmailLookup(
        WebClient(token=TOKEN, base_url=standin.api_url), sleep=pacing_waits.append
    )

    first = match_pending(db, lookup, clock=clock, limit=4, sleep=wait_retry_after)
    first_emails = [call.params["email"] for call in standin.calls("users.lookupByEmail")]
    standin.reset()
    second = match_pending(db, lookup, clock=clock, sleep=wait_retry_after)

    assert (first.looked_up, first.matched, first.not_found, first.pending) == (4, 1, 3, 1)
    assert first_emails == EMAILS[:3] + EMAILS[3:4] * 2
    assert len(retry_waits) == 1
    assert 0 < retry_waits[0] <= 60
    assert all(wait > 1.0 for wait in pacing_waits)
    # Six calls in all: every one after the first waited for its slot, without a burst.
    assert len(pacing_waits) == 5
    assert (second.looked_up, second.matched, second.pending) == (1, 1, 0)
    assert [call.params["email"] for call in standin.calls("users.lookupByEmail")] == [EMAILS[4]]
    assert match_states(db) == {
        "ann@x.nhs.uk": ("matched", "U0ANN"),
        "bob@x.nhs.uk": ("not_found", None),
        "cat@x.nhs.uk": ("not_found", None),
        "dog@x.nhs.uk": ("not_found", None),
        "eve@x.nhs.uk": ("matched", "U0EVE"),
    }


@SQLITE_ONLY
def test_match_stops_on_auth_error(
    db: Database, clock: ManualClock, tmp_path: Path, standin: SlackStandIn
) -> None:
    load_staff(db, clock, tmp_path)
    standin.fail("users.lookupByEmail", "missing_scope")
    lookup = SlackEmailLookup(WebClient(token=TOKEN, base_url=standin.api_url), sleep=print)

    result = match_pending(db, lookup, clock=clock)

    assert result.looked_up == 0
    assert result.pending == 5
    assert result.stopped_reason is not None
    assert "'missing_scope'" in result.stopped_reason
    assert "users:read.email" in result.stopped_reason
