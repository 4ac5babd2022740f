"""Payload builders: fields and encodings as Slack sends them to a Request URL."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import pytest

from bot.simulate import payloads
from bot.simulate.slack_standin import APP_ID, BOT_USER_ID, TEAM_ID

RESPONSE_URL = "http://127.0.0.1:9/response/tok-1"
SLASH_COMMAND_FIELDS = {
    "token",
    "team_id",
    "team_domain",
    "channel_id",
    "channel_name",
    "user_id",
    "user_name",
    "command",
    "text",
    "api_app_id",
    "is_enterprise_install",
    "response_url",
    "trigger_id",
}


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _interaction(body: bytes) -> dict[str, Any]:
    form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    assert list(form) == ["payload"]
    assert len(form["payload"]) == 1
    decoded: dict[str, Any] = json.loads(form["payload"][0])
    return decoded


def _reaction(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "user": "U0BOB",
        "reaction": "+1",
        "channel": "C0IDEAS",
        "ts": "1733330000.000100",
        "item_user": BOT_USER_ID,
        "event_ts": "1733330100.000200",
    }
    arguments.update(overrides)
    kind = arguments.pop("kind", "reaction_added")
    return payloads.reaction_event(kind, **arguments)


def test_slash_command_fields() -> None:
    body, content_type = payloads.slash_command(
        text="More plants & less noise",
        user_id="U0ALICE",
        user_name="alice",
        channel_id="C0IDEAS",
        response_url=RESPONSE_URL,
        trigger_id="123.456.abc",
    )
    fields = _form(body)

    assert content_type == "application/x-www-form-urlencoded"
    assert set(fields) == SLASH_COMMAND_FIELDS
    assert fields["command"] == "/idea"
    assert fields["text"] == "More plants & less noise"
    assert fields["team_id"] == TEAM_ID
    assert fields["api_app_id"] == APP_ID
    assert fields["channel_id"] == "C0IDEAS"
    assert fields["channel_name"]
    assert fields["response_url"] == RESPONSE_URL
    assert fields["trigger_id"] == "123.456.abc"
    assert fields["is_enterprise_install"] == "false"


def test_slash_command_empty_text() -> None:
    body, _ = payloads.slash_command(
        command="/ideas",
        text="",
        user_id="U0ALICE",
        user_name="alice",
        channel_id="D0DM",
        team_id="T0OTHER",
        response_url=RESPONSE_URL,
        trigger_id="1.2.3",
    )
    fields = _form(body)

    assert fields["text"] == ""
    assert fields["command"] == "/ideas"
    assert fields["team_id"] == "T0OTHER"
    assert fields["channel_name"] == "directmessage"


def test_event_callback_envelope() -> None:
    event = _reaction()

    body, content_type = payloads.event_callback(event, event_id="Ev0001", event_time=1733330100)
    envelope = json.loads(body)

    assert content_type == "application/json"
    assert envelope["type"] == "event_callback"
    assert envelope["event"] == event
    assert envelope["event_id"] == "Ev0001"
    assert envelope["event_time"] == 1733330100
    assert envelope["team_id"] == TEAM_ID
    assert envelope["api_app_id"] == APP_ID
    assert envelope["token"]
    assert envelope["is_ext_shared_channel"] is False
    assert envelope["event_context"].startswith("4-")


def test_event_callback_authorizations() -> None:
    body, _ = payloads.event_callback(
        _reaction(), team_id="T0OTHER", event_id="Ev0002", event_time=1733330100
    )
    authorizations = json.loads(body)["authorizations"]

    assert len(authorizations) == 1
    assert authorizations[0]["user_id"] == BOT_USER_ID
    assert authorizations[0]["team_id"] == "T0OTHER"
    assert authorizations[0]["is_bot"] is True
    assert authorizations[0]["is_enterprise_install"] is False


def test_event_context_names_event() -> None:
    body, _ = payloads.event_callback(_reaction(), event_id="Ev0003", event_time=1)
    encoded = json.loads(body)["event_context"][2:]

    context = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))

    assert context == {"et": "reaction_added", "tid": TEAM_ID, "aid": APP_ID, "cid": "C0IDEAS"}


def test_event_callback_requires_type() -> None:
    with pytest.raises(ValueError, match="type"):
        payloads.event_callback({"user": "U1"}, event_id="Ev1", event_time=1)


def test_reaction_added_shape() -> None:
    event = _reaction()

    assert event["type"] == "reaction_added"
    assert event["user"] == "U0BOB"
    assert event["reaction"] == "+1"
    assert event["item_user"] == BOT_USER_ID
    assert event["item"]["type"] == "message"
    assert event["item"]["channel"] == "C0IDEAS"
    assert event["item"]["ts"] == "1733330000.000100"
    assert event["event_ts"] == "1733330100.000200"


def test_reaction_removed_kind() -> None:
    assert _reaction(kind="reaction_removed")["type"] == "reaction_removed"


def test_reaction_without_item_user() -> None:
    assert "item_user" not in _reaction(item_user=None)


def test_reaction_rejects_other_kind() -> None:
    with pytest.raises(ValueError, match="reaction_added"):
        _reaction(kind="reaction_changed")


def test_thread_reply_from_user() -> None:
    event = payloads.thread_reply_event(
        user="U0BOB",
        text="Good idea",
        channel="C0IDEAS",
        ts="1733330200.000300",
        thread_ts="1733330000.000100",
    )

    assert event["type"] == "message"
    assert "subtype" not in event
    assert event["text"] == "Good idea"
    assert event["ts"] == "1733330200.000300"
    assert event["thread_ts"] == "1733330000.000100"
    assert event["channel"] == "C0IDEAS"
    assert event["channel_type"] == "channel"
    assert event["event_ts"] == "1733330200.000300"
    assert "bot_id" not in event
    assert event["client_msg_id"]


def test_thread_reply_from_bot() -> None:
    event = payloads.thread_reply_event(
        user=BOT_USER_ID,
        text="Recorded",
        channel="C0IDEAS",
        ts="1733330200.000300",
        thread_ts="1733330000.000100",
        bot_id="B0001",
    )

    assert event["bot_id"] == "B0001"
    assert "client_msg_id" not in event


def test_message_changed_shape() -> None:
    event = payloads.message_changed_event(
        channel="C0IDEAS",
        ts="1733330200.000300",
        thread_ts="1733330000.000100",
        user="U0BOB",
        new_text="Good idea, twice",
        event_ts="1733330300.000400",
        old_text="Good idea",
    )

    assert event["type"] == "message"
    assert event["subtype"] == "message_changed"
    assert event["hidden"] is True
    assert event["channel"] == "C0IDEAS"
    assert event["ts"] == "1733330300.000400"
    assert event["message"]["ts"] == "1733330200.000300"
    assert event["message"]["text"] == "Good idea, twice"
    assert event["message"]["thread_ts"] == "1733330000.000100"
    assert event["message"]["user"] == "U0BOB"
    assert event["message"]["edited"] == {"user": "U0BOB", "ts": "1733330300.000400"}
    assert event["previous_message"]["ts"] == "1733330200.000300"
    assert event["previous_message"]["text"] == "Good idea"


def test_message_changed_top_level() -> None:
    event = payloads.message_changed_event(
        channel="C0IDEAS",
        ts="1733330200.000300",
        thread_ts=None,
        user="U0BOB",
        new_text="edited",
        event_ts="1733330300.000400",
    )

    assert "thread_ts" not in event["message"]
    assert "thread_ts" not in event["previous_message"]


def test_message_deleted_shape() -> None:
    event = payloads.message_deleted_event(
        channel="C0IDEAS",
        deleted_ts="1733330200.000300",
        thread_ts="1733330000.000100",
        user="U0BOB",
        event_ts="1733330400.000500",
    )

    assert event["type"] == "message"
    assert event["subtype"] == "message_deleted"
    assert event["hidden"] is True
    assert event["deleted_ts"] == "1733330200.000300"
    assert event["ts"] == "1733330400.000500"
    assert event["event_ts"] == "1733330400.000500"
    assert "message" not in event
    assert event["previous_message"]["ts"] == "1733330200.000300"
    assert event["previous_message"]["thread_ts"] == "1733330000.000100"
    assert event["previous_message"]["user"] == "U0BOB"


def test_url_verification_body() -> None:
    body, content_type = payloads.url_verification("challenge-xyz")
    payload = json.loads(body)

    assert content_type == "application/json"
    assert payload["type"] == "url_verification"
    assert payload["challenge"] == "challenge-xyz"
    assert payload["token"]


def test_block_actions_payload() -> None:
    body, content_type = payloads.block_actions(
        user_id="U0BOB",
        user_name="bob",
        channel_id="C0IDEAS",
        message_ts="1733330000.000100",
        action_id="vote",
        value="idea-42",
        block_id="idea_actions",
        response_url=RESPONSE_URL,
        trigger_id="123.456.def",
        message_text="An idea",
    )
    payload = _interaction(body)

    assert content_type == "application/x-www-form-urlencoded"
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U0BOB"
    assert payload["user"]["username"] == "bob"
    assert payload["user"]["team_id"] == TEAM_ID
    assert payload["api_app_id"] == APP_ID
    assert payload["token"]
    assert payload["container"] == {
        "type": "message",
        "message_ts": "1733330000.000100",
        "channel_id": "C0IDEAS",
        "is_ephemeral": False,
    }
    assert payload["trigger_id"] == "123.456.def"
    assert payload["team"]["id"] == TEAM_ID
    assert payload["channel"]["id"] == "C0IDEAS"
    assert payload["message"]["ts"] == "1733330000.000100"
    assert payload["message"]["text"] == "An idea"
    assert payload["response_url"] == RESPONSE_URL


def test_block_actions_action() -> None:
    body, _ = payloads.block_actions(
        user_id="U0BOB",
        user_name="bob",
        channel_id="C0IDEAS",
        message_ts="1733330000.000100",
        action_id="vote",
        value="idea-42",
        block_id="idea_actions",
        response_url=RESPONSE_URL,
        trigger_id="123.456.def",
        action_ts="1733330500.000600",
    )
    actions = _interaction(body)["actions"]

    assert actions == [
        {
            "action_id": "vote",
            "block_id": "idea_actions",
            "value": "idea-42",
            "type": "button",
            "action_ts": "1733330500.000600",
        }
    ]


def test_view_submission_payload() -> None:
    values = {"title_block": {"title": {"type": "plain_text_input", "value": "Bike racks"}}}

    body, content_type = payloads.view_submission(
        user_id="U0ALICE",
        user_name="alice",
        callback_id="idea_modal",
        values=values,
        private_metadata='{"campaign": 7}',
    )
    payload = _interaction(body)

    assert content_type == "application/x-www-form-urlencoded"
    assert payload["type"] == "view_submission"
    assert payload["team"]["id"] == TEAM_ID
    assert payload["user"]["id"] == "U0ALICE"
    assert payload["api_app_id"] == APP_ID
    assert payload["token"]
    assert payload["trigger_id"]
    assert payload["response_urls"] == []
    view = payload["view"]
    assert view["id"] == "V0001"
    assert view["type"] == "modal"
    assert view["callback_id"] == "idea_modal"
    assert view["private_metadata"] == '{"campaign": 7}'
    assert view["state"] == {"values": values}
    assert view["hash"]


def test_view_submission_view_id() -> None:
    body, _ = payloads.view_submission(
        user_id="U0ALICE",
        user_name="alice",
        callback_id="idea_modal",
        values={},
        view_id="V0042",
    )

    assert _interaction(body)["view"]["id"] == "V0042"
