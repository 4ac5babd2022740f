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
from handlers.publisher import USERS_PAGE_SIZE, SlackPublisher
from handlers.refresher import VoteCountRefresher
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
