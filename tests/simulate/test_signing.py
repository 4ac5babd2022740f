"""Request signing, checked against slack_sdk's verifier and Bolt's own request check."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.simulate import payloads
from bot.simulate.signing import sign_request
from bot.simulate.slack_standin import SlackStandIn

SECRET = "test-signing-secret"
TOKEN = "xoxb-test"

# The worked example from Slack's "Verifying requests from Slack" page.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = 1531420618
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
    b"%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_sign_matches_slack_example() -> None:
    headers = sign_request(DOC_BODY, signing_secret=DOC_SECRET, timestamp=DOC_TIMESTAMP)

    assert headers["X-Slack-Signature"] == DOC_SIGNATURE
    assert headers["X-Slack-Request-Timestamp"] == str(DOC_TIMESTAMP)


def test_sign_header_names() -> None:
    headers = sign_request(b"{}", signing_secret=SECRET)

    assert set(headers) == {"X-Slack-Request-Timestamp", "X-Slack-Signature"}
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5


def test_verifier_accepts_signed_body() -> None:
    body = b'{"type":"event_callback"}'

    headers = sign_request(body, signing_secret=SECRET)

    assert SignatureVerifier(SECRET).is_valid_request(body, headers) is True


def test_verifier_rejects_changed_body() -> None:
    headers = sign_request(b"text=original", signing_secret=SECRET)

    assert SignatureVerifier(SECRET).is_valid_request(b"text=changed", headers) is False


def test_verifier_rejects_other_secret() -> None:
    headers = sign_request(b"text=x", signing_secret=SECRET)

    assert SignatureVerifier("another-secret").is_valid_request(b"text=x", headers) is False


def test_verifier_rejects_old_timestamp() -> None:
    old = int(time.time()) - 5 * 60 - 10

    headers = sign_request(b"text=x", signing_secret=SECRET, timestamp=old)

    assert SignatureVerifier(SECRET).is_valid_request(b"text=x", headers) is False


def test_verifier_accepts_recent_timestamp() -> None:
    recent = int(time.time()) - 4 * 60

    headers = sign_request(b"text=x", signing_secret=SECRET, timestamp=recent)

    assert SignatureVerifier(SECRET).is_valid_request(b"text=x", headers) is True


def test_sign_rejects_text_body() -> None:
    with pytest.raises(TypeError, match="bytes"):
        sign_request("text=x", signing_secret=SECRET)  # type: ignore[arg-type]


def test_sign_rejects_empty_secret() -> None:
    with pytest.raises(ValueError, match="signing_secret"):
        sign_request(b"text=x", signing_secret="")


# Bolt's request verification, run through App.dispatch as the HTTP adapters do.


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as server:
        yield server


@pytest.fixture
def received() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def app(standin: SlackStandIn, received: list[dict[str, Any]]) -> App:
    # Bolt takes the token from the client, and passing token= as well only logs a warning.
    bolt_app = App(
        signing_secret=SECRET,
        client=WebClient(token=TOKEN, base_url=standin.api_url, retry_handlers=[]),
        process_before_response=True,
    )

    @bolt_app.command("/idea")
    def on_idea(ack: Any, body: dict[str, Any]) -> None:
        ack()
        received.append(body)

    @bolt_app.event("reaction_added")
    def on_reaction(body: dict[str, Any]) -> None:
        received.append(body)

    @bolt_app.action("vote")
    def on_vote(ack: Any, body: dict[str, Any]) -> None:
        ack()
        received.append(body)

    @bolt_app.view("idea_modal")
    def on_submit(ack: Any, body: dict[str, Any]) -> None:
        ack()
        received.append(body)

    return bolt_app


def _dispatch(app: App, body: bytes, content_type: str, *, secret: str = SECRET) -> tuple[int, str]:
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": content_type,
        **sign_request(body, signing_secret=secret),
    }
    response = app.dispatch(BoltRequest(body=body.decode("utf-8"), headers=headers))
    return response.status, response.body


def _slash_command(standin: SlackStandIn) -> tuple[bytes, str]:
    return payloads.slash_command(
        text="Plant trees by the car park",
        user_id="U0ALICE",
        user_name="alice",
        channel_id="C0IDEAS",
        response_url=standin.response_url("cmd-1"),
        trigger_id="123.456.abc",
    )


def test_bolt_accepts_slash_command(
    app: App, standin: SlackStandIn, received: list[dict[str, Any]]
) -> None:
    status, _ = _dispatch(app, *_slash_command(standin))

    assert status == 200
    assert len(received) == 1
    assert received[0]["text"] == "Plant trees by the car park"
    assert received[0]["user_id"] == "U0ALICE"
    assert received[0]["response_url"] == standin.response_url("cmd-1")


def test_bolt_accepts_event(app: App, received: list[dict[str, Any]]) -> None:
    event = payloads.reaction_event(
        "reaction_added",
        user="U0BOB",
        reaction="+1",
        channel="C0IDEAS",
        ts="1733330000.000100",
        item_user="U0BOT0001",
        event_ts="1733330100.000200",
    )
    body, content_type = payloads.event_callback(event, event_id="Ev0001", event_time=1733330100)

    status, _ = _dispatch(app, body, content_type)

    assert status == 200
    assert len(received) == 1
    assert received[0]["event"]["reaction"] == "+1"
    assert received[0]["event"]["item"]["ts"] == "1733330000.000100"


def test_bolt_accepts_block_actions(
    app: App, standin: SlackStandIn, received: list[dict[str, Any]]
) -> None:
    body, content_type = payloads.block_actions(
        user_id="U0BOB",
        user_name="bob",
        channel_id="C0IDEAS",
        message_ts="1733330000.000100",
        action_id="vote",
        value="idea-42",
        block_id="idea_actions",
        response_url=standin.response_url("act-1"),
        trigger_id="123.456.def",
    )

    status, _ = _dispatch(app, body, content_type)

    assert status == 200
    assert len(received) == 1
    assert received[0]["actions"][0]["value"] == "idea-42"


def test_bolt_accepts_view_submission(app: App, received: list[dict[str, Any]]) -> None:
    values = {"title_block": {"title": {"type": "plain_text_input", "value": "Bike racks"}}}
    body, content_type = payloads.view_submission(
        user_id="U0ALICE", user_name="alice", callback_id="idea_modal", values=values
    )

    status, _ = _dispatch(app, body, content_type)

    assert status == 200
    assert len(received) == 1
    assert received[0]["view"]["state"]["values"] == values


def test_bolt_answers_url_verification(app: App) -> None:
    status, response_body = _dispatch(app, *payloads.url_verification("challenge-xyz"))

    assert status == 200
    assert json.loads(response_body) == {"challenge": "challenge-xyz"}


def test_bolt_rejects_wrong_signature(
    app: App, standin: SlackStandIn, received: list[dict[str, Any]]
) -> None:
    status, _ = _dispatch(app, *_slash_command(standin), secret="not-the-secret")

    assert status == 401
    assert received == []


def test_bolt_rejects_changed_body(
    app: App, standin: SlackStandIn, received: list[dict[str, Any]]
) -> None:
    body, content_type = _slash_command(standin)
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": content_type,
        **sign_request(body, signing_secret=SECRET),
    }
    changed = body.replace(b"Plant", b"Paint")

    response = app.dispatch(BoltRequest(body=changed.decode("utf-8"), headers=headers))

    assert response.status == 401
    assert received == []
