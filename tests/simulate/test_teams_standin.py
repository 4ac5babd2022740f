"""The Teams Bot Connector stand-in, driven over HTTP by the Teams SDK's ApiClient and urllib."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from microsoft_teams.api import ApiClient
from microsoft_teams.api.activities.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.api.models import Account, Attachment
from microsoft_teams.common import ClientOptions

from bot.simulate.teams_standin import (
    ADAPTIVE_CARD_CONTENT_TYPE,
    TENANT_ID,
    Operation,
    TeamsStandIn,
)

CHANNEL_ID = "19:ideas0channel@thread.tacv2"
USER_ID = "29:1alice-aad-object"
TOKEN = "test-access-token"


class FakeClock:
    """Monotonic seconds that only move when a test advances them."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def standin() -> Iterator[TeamsStandIn]:
    with TeamsStandIn(limits=False) as server:
        yield server


def card(title: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": title}],
    }


def card_message(title: str) -> MessageActivityInput:
    attachment = Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=card(title))
    return MessageActivityInput().add_attachments(attachment)


def api_client(standin: TeamsStandIn) -> ApiClient:
    return ApiClient(standin.service_url, ClientOptions(token=TOKEN))


def request(
    standin: TeamsStandIn,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """Send one request with urllib and return the status, headers and decoded JSON body."""
    data = raw
    if data is None and body is not None:
        data = json.dumps(body).encode()
    url = f"http://127.0.0.1:{standin.port}{path}"
    prepared = urllib.request.Request(url, data=data, method=method)
    prepared.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(prepared, timeout=5) as response:
            status, headers, text = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, text = error.code, dict(error.headers), error.read()
    return status, headers, json.loads(text) if text else None


def send_path(conversation_id: str) -> str:
    return f"/teams/v3/conversations/{conversation_id}/activities"


def test_service_url_has_teams_path(standin: TeamsStandIn) -> None:
    assert standin.service_url == f"http://127.0.0.1:{standin.port}/teams/"

    status, _, body = request(standin, "POST", send_path("a:1x")[len("/teams") :], {})

    assert status == 404
    assert body["error"]["code"] == "NotFound"


def test_personal_conversation_reused_per_user(standin: TeamsStandIn) -> None:
    async def create(user_id: str) -> str:
        params = CreateConversationParams(members=[Account(id=user_id)], tenant_id=TENANT_ID)
        return (await api_client(standin).conversations.create(params)).id

    first = asyncio.run(create(USER_ID))
    second = asyncio.run(create(USER_ID))
    other = asyncio.run(create("29:1bob-aad-object"))

    assert first.startswith("a:")
    assert second == first
    assert other != first
    assert standin.conversation_for(USER_ID) == first
    assert standin.conversation_for("29:1nobody") is None
    calls = standin.calls(Operation.CREATE_CONVERSATION)
    assert [call.status for call in calls] == [201, 201, 201]
    assert all(call.bearer_token for call in calls)


def test_send_update_delete_card(standin: TeamsStandIn) -> None:
    conversation_id = "a:1personal"

    async def run() -> str:
        client = api_client(standin)
        sent = await client.conversations.create_activity(conversation_id, card_message("v1"))
        await client.conversations.update_activity(conversation_id, sent.id, card_message("v2"))
        return sent.id

    activity_id = asyncio.run(run())

    assert activity_id.isdigit()
    assert standin.last_card(conversation_id) == card("v2")
    [send] = standin.sent(conversation_id)
    assert send.operation == Operation.SEND
    assert send.activity_id == activity_id
    assert send.activity is not None
    assert send.activity["attachments"][0]["content"] == card("v1")
    [update] = standin.updates(conversation_id, activity_id)
    assert update.method == "PUT"

    status, _, _ = request(standin, "DELETE", f"{send_path(conversation_id)}/{activity_id}")
    assert status == 200
    assert standin.last_card(conversation_id) is None
    assert len(standin.deletes(conversation_id)) == 1

    status, _, body = request(
        standin,
        "PUT",
        f"{send_path(conversation_id)}/{activity_id}",
        {"type": "message", "text": "x"},
    )
    assert status == 404
    assert body["error"]["code"] == "ActivityNotFoundInConversation"
    assert body["error"]["message"]


def test_replies_and_reply_chain(standin: TeamsStandIn) -> None:
    async def post_root() -> str:
        return (
            await api_client(standin).conversations.create_activity(
                CHANNEL_ID, card_message("idea")
            )
        ).id

    root_id = asyncio.run(post_root())
    thread = f"{CHANNEL_ID};messageid={root_id}"

    async def reply_with_sdk() -> None:
        reply = MessageActivityInput(text="Thanks for the comment")
        await api_client(standin).conversations.reply_to_activity(thread, "1700000000001", reply)

    asyncio.run(reply_with_sdk())
    status, _, body = request(
        standin, "POST", f"{send_path(thread)}/1700000000002", {"type": "message", "text": "Noted"}
    )

    assert status == 200
    sdk_reply, route_reply = standin.sent(thread)[1:]
    assert sdk_reply.operation == Operation.REPLY
    assert sdk_reply.reply_to_id == "1700000000001"
    assert route_reply.operation == Operation.REPLY
    assert route_reply.reply_to_id == "1700000000002"
    assert route_reply.activity_id == body["id"]
    for reply in (sdk_reply, route_reply):
        assert reply.conversation_id == CHANNEL_ID
        assert reply.thread_id == root_id
    assert standin.sent(CHANNEL_ID)[0].thread_id is None
    assert len(standin.activities(thread)) == 3
    assert standin.last_card(thread) == card("idea")


def test_channel_post_by_create(standin: TeamsStandIn) -> None:
    status, _, body = request(
        standin,
        "POST",
        "/teams/v3/conversations",
        {
            "isGroup": True,
            "channelData": {"channel": {"id": CHANNEL_ID}, "tenant": {"id": TENANT_ID}},
            "activity": {"type": "message", "text": "A new campaign"},
        },
    )

    assert status == 201
    assert body["id"] == f"{CHANNEL_ID};messageid={body['activityId']}"
    [post] = standin.sent(CHANNEL_ID)
    assert post.operation == Operation.CREATE_CONVERSATION
    assert post.activity_id == body["activityId"]


def test_members_registered_and_missing(standin: TeamsStandIn) -> None:
    alice = {
        "id": USER_ID,
        "name": "Alice Smith",
        "aadObjectId": "alice-aad",
        "tenantId": TENANT_ID,
    }
    standin.add_member(f"{CHANNEL_ID};messageid=1700000000000", alice)

    async def read() -> tuple[list[str], str | None]:
        conversations = api_client(standin).conversations
        members = await conversations.get_members(CHANNEL_ID)
        member = await conversations.get_member_by_id(CHANNEL_ID, USER_ID)
        return [item.id for item in members], member.name

    assert asyncio.run(read()) == ([USER_ID], "Alice Smith")

    status, _, body = request(standin, "GET", f"/teams/v3/conversations/{CHANNEL_ID}/members/29:x")
    assert status == 404
    assert body["error"]["code"] == "MemberNotFoundInConversation"
    status, _, body = request(
        standin, "GET", "/teams/v3/conversations/19:none@thread.tacv2/members"
    )
    assert status == 404
    assert body["error"]["code"] == "ConversationNotFound"


def test_eighth_send_in_second_throttled() -> None:
    clock = FakeClock()
    with TeamsStandIn(clock=clock) as standin:

        async def send(conversation_id: str) -> str:
            message = MessageActivityInput(text="Digest")
            return (
                await api_client(standin).conversations.create_activity(conversation_id, message)
            ).id

        for _ in range(7):
            asyncio.run(send("a:1busy"))
            clock.now += 0.1
        with pytest.raises(httpx.HTTPStatusError) as raised:
            asyncio.run(send("a:1busy"))
        asyncio.run(send("a:1quiet"))

        response = raised.value.response
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1"
        assert response.json()["error"]["code"] == "Throttled"
        assert standin.throttled_count == 1
        assert len(standin.sent("a:1busy")) == 7
        assert standin.calls(Operation.SEND)[7].status == 429

        # At t=1.0 the first send leaves the 1 s window, but 7 remain in the 2 s one. So one
        # more fits, and the next must wait until the 2 s window moves past t=0.1.
        clock.now = 1000.0 + 1.0
        asyncio.run(send("a:1busy"))
        status, headers, _ = request(standin, "POST", send_path("a:1busy"), {"type": "typing"})
        assert status == 429
        assert headers["Retry-After"] == "1"
        assert standin.throttled_count == 2


def test_app_limit_across_conversations() -> None:
    clock = FakeClock()
    with TeamsStandIn(clock=clock) as standin:
        statuses = [
            request(standin, "POST", send_path(f"a:1user{number}"), {"type": "typing"})[0]
            for number in range(51)
        ]

    assert statuses[:50] == [200] * 50
    assert statuses[50] == 429


def test_speed_shortens_windows() -> None:
    clock = FakeClock()
    with TeamsStandIn(speed=10.0, clock=clock) as standin:
        for _ in range(7):
            request(standin, "POST", send_path("a:1fast"), {"type": "typing"})
        clock.now += 0.05
        throttled_status, headers, _ = request(
            standin, "POST", send_path("a:1fast"), {"type": "typing"}
        )
        # One simulated second is 0.1 s of the clock at speed 10.
        clock.now += 0.06
        later_status, _, _ = request(standin, "POST", send_path("a:1fast"), {"type": "typing"})

    assert throttled_status == 429
    assert headers["Retry-After"] == "1"
    assert later_status == 200


def test_limits_off_accepts_bursts(standin: TeamsStandIn) -> None:
    statuses = [
        request(standin, "POST", send_path("a:1burst"), {"type": "typing"})[0] for _ in range(60)
    ]

    assert statuses == [200] * 60
    assert standin.throttled_count == 0


def test_fail_next_then_recovers(standin: TeamsStandIn) -> None:
    standin.fail_next(2, status=503)
    standin.fail_next(1, status=429)
    message = {"type": "message", "text": "Reminder"}

    results = [request(standin, "POST", send_path("a:1retry"), message) for _ in range(4)]

    assert [status for status, _, _ in results] == [503, 503, 429, 200]
    assert results[0][2]["error"]["code"] == "ServiceUnavailable"
    assert results[2][1]["Retry-After"] == "1"
    assert standin.throttled_count == 0
    assert len(standin.sent("a:1retry")) == 1


def test_bad_requests_get_error_bodies(standin: TeamsStandIn) -> None:
    cases = [
        ("POST", send_path("a:1x"), b"{not json", 400, "BadSyntax"),
        ("POST", send_path("a:1x"), b'{"type": "message", "text": " "}', 400, "BadArgument"),
        ("POST", "/teams/v3/conversations", b'{"members": [{"id": "29:1a"}]}', 400, "BadArgument"),
        ("POST", "/teams/v3/bots", b"{}", 404, "NotFound"),
        ("GET", send_path("a:1x"), None, 405, "MethodNotAllowed"),
    ]
    for method, path, raw, expected_status, expected_code in cases:
        status, _, body = request(standin, method, path, raw=raw)

        assert status == expected_status, path
        assert body["error"]["code"] == expected_code
        assert body["error"]["message"]

    assert standin.sent() == []


def test_oversized_message_rejected(standin: TeamsStandIn) -> None:
    status, _, body = request(
        standin, "POST", send_path("a:1x"), {"type": "message", "text": "x" * 60_000}
    )

    assert status == 413
    assert body["error"]["code"] == "MessageSizeTooBig"


def test_wait_for_wakes_on_send(standin: TeamsStandIn) -> None:
    sender = threading.Timer(
        0.02, request, args=(standin, "POST", send_path("a:1later"), {"type": "typing"})
    )
    sender.start()

    assert standin.wait_for(lambda: len(standin.sent("a:1later")) == 1, timeout=2.0)
    assert not standin.wait_for(lambda: len(standin.sent("a:1later")) == 2, timeout=0.05)
    sender.join()
