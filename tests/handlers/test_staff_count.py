"""Counting the workspace's people with users.list against the Slack stand-in."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from slack_sdk import WebClient

from bot.simulate.slack_standin import SLACKBOT_USER_ID, SlackStandIn
from handlers.publisher import SlackPublisher
from handlers.refresher import VoteCountRefresher
from handlers.staff_count import USERS_PAGE_SIZE, StaffCounter
from storage.database import Database

TOKEN = "xoxb-staff-count"
PEOPLE = 450
MANIFEST_PATH = Path(__file__).resolve().parents[2] / "manifest.yml"


def workspace_users() -> dict[str, dict[str, Any]]:
    users: dict[str, dict[str, Any]] = {f"U{n:05d}": {} for n in range(PEOPLE)}
    users["UDELETED1"] = {"deleted": True}
    users["UDELETED2"] = {"deleted": True}
    users["BOTUSER01"] = {"is_bot": True}
    return users


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN, users=workspace_users()) as running:
        yield running


@pytest.fixture
def publisher(standin: SlackStandIn, tmp_path: Path) -> Iterator[SlackPublisher]:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    db = Database(f"sqlite:///{tmp_path / 'unused.db'}")
    refresher = VoteCountRefresher(db=db, client=client)
    try:
        yield SlackPublisher(client, timezone=ZoneInfo("Europe/London"), refresher=refresher)
    finally:
        refresher.stop()
        db.dispose()


def test_counts_people_over_pages(standin: SlackStandIn, publisher: SlackPublisher) -> None:
    assert publisher.count_staff() == PEOPLE

    calls = standin.calls("users.list")
    # 450 people, 2 deactivated, 2 bots and Slackbot are 455 members: three pages of 200.
    assert len(calls) == 3
    assert all(int(call.params["limit"]) == USERS_PAGE_SIZE for call in calls)
    assert "cursor" not in calls[0].params or not calls[0].params["cursor"]
    assert calls[1].params["cursor"]


def test_failure_gives_none(standin: SlackStandIn, publisher: SlackPublisher) -> None:
    standin.fail("users.list", "missing_scope")

    assert publisher.count_staff() is None


def test_standin_pages_and_skipped_members(standin: SlackStandIn) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    first = client.users_list(limit=2)
    ids = [member["id"] for member in first["members"]]
    cursor = first["response_metadata"]["next_cursor"]
    members = list(first["members"])
    while cursor:
        page = client.users_list(limit=200, cursor=cursor)
        members += page["members"]
        cursor = page["response_metadata"]["next_cursor"]

    assert len(ids) == 2
    by_id = {member["id"]: member for member in members}
    assert len(by_id) == PEOPLE + 5
    assert by_id[SLACKBOT_USER_ID]["is_bot"] is False
    assert by_id["UDELETED1"]["deleted"] is True
    assert by_id["BOTUSER01"]["is_bot"] is True


def test_standin_rejects_bad_cursor(standin: SlackStandIn) -> None:
    client = WebClient(token=TOKEN, base_url=standin.api_url)
    unknown = base64.b64encode(b"user:UNOBODY").decode("ascii")
    for cursor in ("not base64!", unknown):
        with pytest.raises(Exception, match="invalid_cursor"):
            client.users_list(limit=10, cursor=cursor)


def test_manifest_grants_users_read() -> None:
    manifest = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    # users.list, which counts the staff for the digest, needs users:read.
    assert "users:read" in manifest["oauth_config"]["scopes"]["bot"]


class FakeTime:
    """A monotonic clock that moves only when sleep is called."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_count_kept_while_fresh(standin: SlackStandIn) -> None:
    fake = FakeTime()
    counter = StaffCounter(
        WebClient(token=TOKEN, base_url=standin.api_url),
        max_age_seconds=60,
        monotonic=fake.monotonic,
        sleep=fake.sleep,
    )

    first = counter.count()
    fake.now += 59
    second = counter.count()
    calls_while_fresh = len(standin.calls("users.list"))
    fake.now += 2
    third = counter.count()

    assert (first, second, third) == (PEOPLE, PEOPLE, PEOPLE)
    assert calls_while_fresh == 3
    assert len(standin.calls("users.list")) == 6


def test_failed_count_not_kept(standin: SlackStandIn) -> None:
    counter = StaffCounter(WebClient(token=TOKEN, base_url=standin.api_url))
    standin.fail("users.list", "ratelimited")

    assert counter.count() is None

    standin.clear_failures()
    assert counter.count() == PEOPLE


def test_pages_paced_past_burst() -> None:
    # 4,998 people, the bot user and Slackbot are 5,000 members: 25 pages, 20 at once,
    # then one every 3 seconds.
    users: dict[str, dict[str, Any]] = {f"U{n:05d}": {} for n in range(4998)}
    fake = FakeTime()
    with SlackStandIn(bot_token=TOKEN, users=users) as running:
        counter = StaffCounter(
            WebClient(token=TOKEN, base_url=running.api_url),
            monotonic=fake.monotonic,
            sleep=fake.sleep,
        )
        count = counter.count()
        pages = len(running.calls("users.list"))

    assert count == 4998
    assert pages == 25
    assert len(fake.slept) == 5
    assert fake.slept == pytest.approx([3.0] * 5)
