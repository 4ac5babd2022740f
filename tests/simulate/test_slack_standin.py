"""The Slack stand-in, driven by the real slack_sdk clients over HTTP."""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.simulate.slack_standin import (
    BOT_ID,
    BOT_USER_ID,
    SLACK_CHANNEL_RATE_LIMITS,
    SLACK_RATE_LIMITS,
    TEAM_ID,
    RecordedCall,
    SlackStandIn,
    direct_message_channel,
)

TOKEN = "xoxb-test"
TS_PATTERN = re.compile(r"^\d{10}\.\d{6}$")
SECTION_BLOCK = {"type": "section", "text": {"type": "mrkdwn", "text": "An idea"}}
MODAL = {
    "type": "modal",
    "callback_id": "idea_modal",
    "title": {"type": "plain_text", "text": "New idea"},
    "blocks": [],
}


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN, users={"U0ALICE": {"real_name": "Alice Smith"}}) as server:
        yield server


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])


def test_api_url_shape(standin: SlackStandIn) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", standin.api_url)
    assert standin.port > 0


def test_response_url_shape(standin: SlackStandIn) -> None:
    assert standin.response_url("abc123") == f"http://127.0.0.1:{standin.port}/response/abc123"


def test_auth_test_identity(client: WebClient) -> None:
    response = client.auth_test()

    assert response["ok"] is True
    assert response["team_id"] == TEAM_ID
    assert response["user_id"] == BOT_USER_ID
    assert response["bot_id"] == BOT_ID
    assert response["url"].startswith("https://")
    assert response["team"]
    assert response["user"]


def test_post_update_shows_new_text(standin: SlackStandIn, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0IDEAS", text="first", blocks=[SECTION_BLOCK])
    ts = posted["ts"]

    assert posted["channel"] == "C0IDEAS"
    assert TS_PATTERN.match(ts)
    assert posted["message"]["text"] == "first"
    assert posted["message"]["bot_id"] == BOT_ID

    updated = client.chat_update(channel="C0IDEAS", ts=ts, text="second")

    assert updated["ts"] == ts
    assert updated["text"] == "second"
    messages = standin.messages("C0IDEAS")
    assert len(messages) == 1
    assert messages[0]["ts"] == ts
    assert messages[0]["text"] == "second"
    # An update without blocks keeps the previous blocks, as Slack does.
    assert messages[0]["blocks"] == [SECTION_BLOCK]
    assert messages[0]["edited"]["user"] == BOT_USER_ID


def test_ts_unique_and_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C1", text=f"m{n}")["ts"] for n in range(20)]

    assert len(set(stamps)) == len(stamps)
    assert stamps == sorted(stamps, key=float)


def test_messages_per_channel(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="one")
    client.chat_postMessage(channel="C2", text="two")
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts="1733330000.000100")

    assert [message["text"] for message in standin.messages("C1")] == ["one", "reply"]
    assert [message["text"] for message in standin.messages("C2")] == ["two"]
    assert standin.messages("C9") == []
    assert reply["message"]["thread_ts"] == "1733330000.000100"


def test_messages_returns_copies(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="kept")

    standin.messages("C1")[0]["text"] = "changed by caller"

    assert standin.messages("C1")[0]["text"] == "kept"


def test_update_unknown_message(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel="C1", ts="1733330000.000100", text="x")

    assert raised.value.response["error"] == "message_not_found"


def test_post_without_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postMessage", json={"text": "no channel"})

    assert raised.value.response["error"] == "channel_not_found"


def test_post_without_content(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postMessage", json={"channel": "C1"})

    assert raised.value.response["error"] == "no_text"


def test_wrong_token_invalid_auth(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-wrong", base_url=standin.api_url, retry_handlers=[])

    with pytest.raises(SlackApiError) as raised:
        client.auth_test()

    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "invalid_auth"
    assert standin.calls("auth.test")[0].error == "invalid_auth"


def test_missing_token_not_authed(standin: SlackStandIn) -> None:
    client = WebClient(base_url=standin.api_url, retry_handlers=[])

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="hi")

    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "not_authed"
    assert standin.messages("C1") == []


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("reactions.frobnicate", json={"channel": "C1"})

    assert raised.value.response["error"] == "unknown_method"


def test_form_blocks_decoded(standin: SlackStandIn, client: WebClient) -> None:
    # params= makes slack_sdk send a form body, where blocks travel as JSON text.
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "form", "blocks": json.dumps([SECTION_BLOCK])},
    )

    call = standin.calls("chat.postMessage")[0]
    assert call.params["blocks"] == [SECTION_BLOCK]
    assert "token" not in call.params
    assert standin.messages("C1")[0]["blocks"] == [SECTION_BLOCK]


def test_json_blocks_recorded(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="json", blocks=[SECTION_BLOCK])

    call = standin.calls("chat.postMessage")[0]
    assert call.params["blocks"] == [SECTION_BLOCK]
    assert call.params["channel"] == "C1"
    assert call.status == 200
    assert call.error is None


def test_post_ephemeral(standin: SlackStandIn, client: WebClient) -> None:
    response = client.chat_postEphemeral(channel="C1", user="U0ALICE", text="only you")

    assert TS_PATTERN.match(response["message_ts"])
    assert standin.messages("C1") == []
    assert standin.calls("chat.postEphemeral")[0].params["user"] == "U0ALICE"


def test_post_ephemeral_without_user(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postEphemeral", json={"channel": "C1", "text": "x"})

    assert raised.value.response["error"] == "user_not_in_channel"


def test_get_permalink_format(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0IDEAS", text="idea")["ts"]

    response = client.chat_getPermalink(channel="C0IDEAS", message_ts=ts)

    expected = f"https://example.slack.com/archives/C0IDEAS/p{ts.replace('.', '')}"
    assert response["permalink"] == expected
    assert response["channel"] == "C0IDEAS"


def test_get_permalink_thread_reply(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="parent")["ts"]
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=parent)["ts"]

    permalink = client.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]

    assert permalink.endswith(f"?thread_ts={parent}&cid=C1")


def test_users_info_configured(client: WebClient) -> None:
    user = client.users_info(user="U0ALICE")["user"]

    assert user["id"] == "U0ALICE"
    assert user["real_name"] == "Alice Smith"
    assert user["profile"]["real_name"] == "Alice Smith"
    assert user["is_bot"] is False


def test_users_info_generated(client: WebClient) -> None:
    first = client.users_info(user="U0123")["user"]
    second = client.users_info(user="U0123")["user"]

    assert first == second
    assert first["real_name"] == "Staff Member U0123"
    assert first["profile"]["display_name"] == "Staff Member U0123"
    assert first["name"]
    assert first["is_bot"] is False


def test_users_info_empty_id(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="")

    assert raised.value.response["error"] == "user_not_found"


def test_conversations_info(client: WebClient) -> None:
    channel = client.conversations_info(channel="C0IDEAS")["channel"]

    assert channel["id"] == "C0IDEAS"
    assert channel["name"]
    assert channel["is_channel"] is True


def test_views_open_then_update(standin: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(trigger_id="123.456.abc", view=MODAL)["view"]

    assert opened["id"]
    assert opened["callback_id"] == "idea_modal"

    changed = dict(MODAL, title={"type": "plain_text", "text": "Edited"})
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)["view"]

    assert updated["id"] == opened["id"]
    assert updated["title"]["text"] == "Edited"
    assert updated["hash"] != opened["hash"]
    assert standin.calls("views.open")[0].params["view"] == MODAL


def test_views_update_stale_hash(client: WebClient) -> None:
    opened = client.views_open(trigger_id="123.456.abc", view=MODAL)["view"]
    client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)

    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)

    assert raised.value.response["error"] == "hash_conflict"


def test_views_update_unknown_view(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id="V9999", view=MODAL)

    assert raised.value.response["error"] == "not_found"


def test_views_open_without_trigger(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("views.open", json={"view": MODAL})

    assert raised.value.response["error"] == "invalid_arguments"


HOME = {"type": "home", "blocks": [SECTION_BLOCK]}


def test_views_publish_stores_home(standin: SlackStandIn, client: WebClient) -> None:
    first = client.views_publish(user_id="U0ALICE", view=HOME)["view"]
    changed = dict(HOME, blocks=[SECTION_BLOCK, SECTION_BLOCK])
    second = client.views_publish(user_id="U0ALICE", view=changed, hash=first["hash"])["view"]

    assert first["type"] == "home"
    assert second["id"] == first["id"]
    assert second["hash"] != first["hash"]
    stored = standin.home_view("U0ALICE")
    assert stored is not None
    assert stored["blocks"] == [SECTION_BLOCK, SECTION_BLOCK]
    assert standin.home_view("U0BOB") is None


def test_views_publish_stale_hash(client: WebClient) -> None:
    first = client.views_publish(user_id="U0ALICE", view=HOME)["view"]
    client.views_publish(user_id="U0ALICE", view=HOME)

    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id="U0ALICE", view=HOME, hash=first["hash"])

    assert raised.value.response["error"] == "hash_conflict"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"view": HOME}, "invalid `user_id`"),
        ({"user_id": "U0ALICE", "view": MODAL}, "`view.type` must be home"),
        (
            {"user_id": "U0ALICE", "view": {"type": "home", "blocks": [SECTION_BLOCK] * 101}},
            "must provide no more than 100 items at /view/blocks",
        ),
    ],
)
def test_views_publish_rejects_bad_view(
    client: WebClient, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("views.publish", json=arguments)

    assert raised.value.response["error"] == "invalid_arguments"
    assert raised.value.response["response_metadata"]["messages"] == [message]


def test_rate_limit_gives_429() -> None:
    with SlackStandIn(bot_token=TOKEN, rate_limits={"chat.update": 3}) as standin:
        client = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
        ts = client.chat_postMessage(channel="C1", text="v0")["ts"]
        for n in range(3):
            client.chat_update(channel="C1", ts=ts, text=f"v{n + 1}")

        with pytest.raises(SlackApiError) as raised:
            client.chat_update(channel="C1", ts=ts, text="rejected")

        response = raised.value.response
        assert response.status_code == 429
        assert response["error"] == "ratelimited"
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert standin.rejected_for_rate() == 1
        assert standin.count("chat.update") == 4
        assert standin.messages("C1")[0]["text"] == "v3"
        # Limits count per method, so other methods still succeed.
        assert client.chat_postMessage(channel="C1", text="other method")["ok"] is True


def test_rate_limit_window_slides() -> None:
    limits = {"chat.postMessage": 2}
    with SlackStandIn(rate_limits=limits, rate_limit_window_seconds=0.5) as standin:
        client = WebClient(token="xoxb-test", base_url=standin.api_url, retry_handlers=[])
        client.chat_postMessage(channel="C1", text="1")
        client.chat_postMessage(channel="C1", text="2")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C1", text="over the limit")

        time.sleep(0.6)

        assert client.chat_postMessage(channel="C1", text="3")["ok"] is True
        assert standin.rejected_for_rate() == 1


def test_channel_rate_limit_counts_each_conversation() -> None:
    with SlackStandIn(channel_rate_limits={"chat.postMessage": 2}) as standin:
        client = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
        client.chat_postMessage(channel="C1", text="1")
        client.chat_postMessage(channel="C1", text="2")
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel="C1", text="over the limit")
        # Another conversation has its own window; a user id counts as the user's DM.
        client.chat_postMessage(channel="C2", text="elsewhere")
        client.chat_postMessage(channel="U0ALICE", text="dm 1")
        client.chat_postMessage(channel=direct_message_channel("U0ALICE"), text="dm 2")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="U0ALICE", text="dm over the limit")

        assert raised.value.response.status_code == 429
        assert standin.rejected_for_rate() == 2
        assert [message["text"] for message in standin.messages("C1")] == ["1", "2"]


def test_refused_call_counts_against_no_limit() -> None:
    with SlackStandIn(
        rate_limits={"chat.postMessage": 3},
        channel_rate_limits={"chat.postMessage": 1},
        channel_rate_window_seconds=60,
    ) as standin:
        client = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
        client.chat_postMessage(channel="C1", text="1")
        for _ in range(3):
            with pytest.raises(SlackApiError):
                client.chat_postMessage(channel="C1", text="refused in C1")
        client.chat_postMessage(channel="C2", text="2")
        client.chat_postMessage(channel="C3", text="3")
        with pytest.raises(SlackApiError):
            client.chat_postMessage(channel="C4", text="over the workspace limit")

        assert standin.rejected_for_rate() == 4


def test_published_limits_table() -> None:
    assert SLACK_RATE_LIMITS["chat.update"] == 50
    assert SLACK_RATE_LIMITS["conversations.history"] == 50
    assert "chat.postMessage" not in SLACK_RATE_LIMITS
    assert SLACK_CHANNEL_RATE_LIMITS["chat.postMessage"] >= 1
    with SlackStandIn(
        rate_limits=SLACK_RATE_LIMITS, channel_rate_limits=SLACK_CHANNEL_RATE_LIMITS
    ) as standin:
        client = WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[])
        assert client.chat_postMessage(channel="C1", text="hello")["ok"] is True


def test_conversations_history_metadata(standin: SlackStandIn, client: WebClient) -> None:
    metadata = {"event_type": "outbox_message", "event_payload": {"outbox_id": 7}}
    client.chat_postMessage(channel="U0ALICE", text="first", metadata=metadata)
    client.chat_postMessage(channel="U0ALICE", text="second")
    channel = client.conversations_open(users="U0ALICE")["channel"]["id"]

    plain = client.conversations_history(channel=channel)
    full = client.conversations_history(channel=channel, include_all_metadata=True, limit=1)

    assert [message["text"] for message in plain["messages"]] == ["second", "first"]
    assert all("metadata" not in message for message in plain["messages"])
    assert [message["text"] for message in full["messages"]] == ["second"]
    assert full["has_more"] is True
    everything = client.conversations_history(channel=channel, include_all_metadata=True)
    assert everything["messages"][1]["metadata"] == metadata


def test_rate_limit_rejects_bad_limit() -> None:
    with pytest.raises(ValueError, match="chat.update"):
        SlackStandIn(rate_limits={"chat.update": 0})


def test_response_url_recording(standin: SlackStandIn) -> None:
    webhook = WebhookClient(standin.response_url("tok-1"), retry_handlers=[])

    result = webhook.send(text="Thanks for your idea", response_type="ephemeral")

    assert result.status_code == 200
    assert result.body == "ok"
    recorded = standin.responses("tok-1")
    assert len(recorded) == 1
    assert recorded[0].method == "response_url"
    assert recorded[0].token == "tok-1"
    assert recorded[0].params["text"] == "Thanks for your idea"
    assert recorded[0].params["response_type"] == "ephemeral"
    assert standin.responses("tok-2") == []
    assert standin.calls() == []


def test_response_url_invalid_body(standin: SlackStandIn) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    connection.request("POST", "/response/tok-1", body=b"not json")
    response = connection.getresponse()

    assert response.status == 400
    assert response.read() == b"invalid_payload"
    assert standin.responses("tok-1")[0].error == "invalid_payload"
    connection.close()


def test_calls_filter_and_count(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C1", text="a")
    client.chat_postMessage(channel="C1", text="b")

    assert [call.method for call in standin.calls()] == [
        "auth.test",
        "chat.postMessage",
        "chat.postMessage",
    ]
    assert len(standin.calls("chat.postMessage")) == 2
    assert standin.count("chat.postMessage") == 2
    assert standin.count("chat.update") == 0
    times = [call.at for call in standin.calls()]
    assert times == sorted(times)


def test_recorded_call_frozen(standin: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    call = standin.calls()[0]

    assert isinstance(call, RecordedCall)
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.method = "changed"  # type: ignore[misc]


def test_reset_clears_records(standin: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="kept")
    WebhookClient(standin.response_url("tok"), retry_handlers=[]).send(text="x")

    standin.reset()

    assert standin.calls() == []
    assert standin.responses() == []
    assert standin.count("chat.postMessage") == 0
    # Messages are workspace state, not records.
    assert [message["text"] for message in standin.messages("C1")] == ["kept"]


def test_latency_delays_answers() -> None:
    with SlackStandIn(latency_seconds=0.2) as standin:
        client = WebClient(token="xoxb-test", base_url=standin.api_url, retry_handlers=[])
        started = time.monotonic()
        client.auth_test()
        elapsed = time.monotonic() - started

    assert elapsed >= 0.2


def test_no_log_line_per_request(
    standin: SlackStandIn, client: WebClient, capfd: pytest.CaptureFixture[str]
) -> None:
    client.auth_test()
    client.chat_postMessage(channel="C1", text="quiet")

    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


def test_get_with_query_arguments(standin: SlackStandIn) -> None:
    # slack_sdk's async client sends GET-style methods such as users.info this way.
    connection = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    connection.request(
        "GET", "/api/users.info?user=U0ALICE", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    payload = json.loads(connection.getresponse().read())

    assert payload["ok"] is True
    assert payload["user"]["real_name"] == "Alice Smith"
    connection.close()


def test_chunked_form_body(standin: SlackStandIn) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    parts = [b"channel=C1", b"&text=", b"chunked+body"]
    connection.request(
        "POST",
        "/api/chat.postMessage",
        body=iter(parts),
        headers={
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        encode_chunked=True,
    )
    payload = json.loads(connection.getresponse().read())

    assert payload["ok"] is True
    assert standin.messages("C1")[0]["text"] == "chunked body"
    connection.close()


def test_token_as_form_argument(standin: SlackStandIn) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    connection.request(
        "POST",
        "/api/auth.test",
        body=urlencode({"token": TOKEN}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    payload = json.loads(connection.getresponse().read())

    assert payload["ok"] is True
    assert standin.calls("auth.test")[0].params == {}
    connection.close()


def test_unknown_path_404(standin: SlackStandIn) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    connection.request("GET", "/elsewhere")
    response = connection.getresponse()

    assert response.status == 404
    assert response.getheader("Content-Length") == str(len(response.read()))
    connection.close()


def test_keep_alive_many_requests(standin: SlackStandIn) -> None:
    """Several keep-alive connections send requests concurrently, and every one succeeds."""
    requests_per_connection = 100
    connection_count = 4
    failures: list[str] = []
    body = urlencode({"channel": "C0LOAD", "text": "load"}).encode()
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    host = urlsplit(standin.api_url).hostname or "127.0.0.1"
    port = standin.port

    def send_many() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            for _ in range(requests_per_connection):
                connection.request("POST", "/api/chat.postMessage", body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                if response.status != 200 or response.getheader("Content-Length") is None:
                    failures.append(f"status {response.status}")
                elif not json.loads(payload)["ok"]:
                    failures.append(payload.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=send_many) for _ in range(connection_count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    total = requests_per_connection * connection_count
    assert failures == []
    assert standin.count("chat.postMessage") == total
    assert len(standin.messages("C0LOAD")) == total
    assert len({message["ts"] for message in standin.messages("C0LOAD")}) == total
    # A loose bound: a few hundred requests per second finish 400 requests well inside it.
    assert elapsed < 10


def test_stop_closes_port() -> None:
    standin = SlackStandIn().start()
    port = standin.port
    standin.stop()

    with pytest.raises(ConnectionRefusedError):
        socket_connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        socket_connection.request("GET", "/api/auth.test")
    with pytest.raises(RuntimeError, match="not running"):
        _ = standin.api_url


def test_stop_closes_idle_keep_alive() -> None:
    standin = SlackStandIn().start()
    connection = http.client.HTTPConnection("127.0.0.1", standin.port, timeout=5)
    connection.request("POST", "/api/auth.test", headers={"Authorization": "Bearer xoxb-test"})
    connection.getresponse().read()

    standin.stop()

    # The server side closed the idle connection, so the client reads end-of-stream
    # instead of waiting for the idle timeout.
    assert connection.sock is not None
    connection.sock.settimeout(2)
    assert connection.sock.recv(1) == b""
    connection.close()


def test_start_twice_raises() -> None:
    with SlackStandIn() as standin, pytest.raises(RuntimeError, match="already running"):
        standin.start()
