"""The HTTP front: signature and timestamp checks, malformed bodies, routes and /healthz."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from bot.simulate.signing import sign_request
from storage.models import Idea, Vote
from tests.e2e.support import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    SlackSender,
    bot_db,
    count_rows,
    load_payload,
    post_idea,
    settle,
)

# Slack's signing scheme rejects request timestamps more than five minutes from now.
MAX_AGE_SECONDS = 5 * 60


def _idea_command_body(slack: SlackSender, text: str) -> bytes:
    fields = load_payload("slash_command")
    fields.update(
        text=text, channel_id="C0IDEAS", response_url=slack.bot.standin.response_url("forged")
    )
    return urlencode(fields).encode("utf-8")


def _assert_nothing_ran(bot: LocalBot) -> None:
    settle(bot)
    assert bot.standin.calls() == []
    assert bot.standin.responses() == []


def test_wrong_signature_rejected(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack)
    assert idea.message_id is not None
    command = _idea_command_body(slack, "Forged idea")
    reaction = slack.event_body(
        "reaction_added",
        slack.reaction_event(user="U0V1", reaction="+1", ts=idea.message_id),
        event_id=slack.new_event_id(),
    )
    bot.standin.reset()

    for body, content_type in ((command, FORM_CONTENT_TYPE), (reaction, JSON_CONTENT_TYPE)):
        result = slack.client.send(body, content_type, signing_secret="not-the-signing-secret")
        assert result.status == 401, result
    unsigned = slack.client.raw(
        "POST", "/slack/events", body=command, headers={"Content-Type": FORM_CONTENT_TYPE}
    )
    assert unsigned.status == 401
    # The signature is checked before the body is parsed, so a forged malformed body
    # gets 401, not the 400 a signed one gets.
    forged_malformed = slack.client.send(
        b'{"type": "event_callback", ', JSON_CONTENT_TYPE, signing_secret="not-the-secret"
    )
    assert forged_malformed.status == 401

    _assert_nothing_ran(bot)
    assert count_rows(bot_db(bot), Idea) == 1
    assert count_rows(bot_db(bot), Vote) == 0


def test_stale_timestamp_rejected(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    command = _idea_command_body(slack, "Replayed idea")
    bot.standin.reset()
    now = int(time.time())

    for timestamp in (now - MAX_AGE_SECONDS - 5, now + MAX_AGE_SECONDS + 5):
        result = slack.client.send(command, FORM_CONTENT_TYPE, timestamp=timestamp)
        assert result.status == 401, (timestamp - now, result)

    _assert_nothing_ran(bot)
    assert count_rows(bot_db(bot), Idea) == 0


def test_malformed_bodies_rejected(bot: LocalBot, slack: SlackSender) -> None:
    bad_bodies = [
        (b'{"type": "event_callback", "event": ', JSON_CONTENT_TYPE),
        (b"[1, 2, 3]", JSON_CONTENT_TYPE),
        (urlencode({"payload": "not json"}).encode(), FORM_CONTENT_TYPE),
        (urlencode({"payload": '{"type": "block_actions"'}).encode(), FORM_CONTENT_TYPE),
        (urlencode({"payload": "[]"}).encode(), FORM_CONTENT_TYPE),
    ]
    bot.standin.reset()

    for body, content_type in bad_bodies:
        result = slack.client.send(body, content_type)
        assert result.status == 400, (body, result)

    _assert_nothing_ran(bot)


def test_non_utf8_body_rejected(bot: LocalBot, slack: SlackSender) -> None:
    body = b"payload=\xff\xfe"
    headers = sign_request(body, signing_secret="irrelevant")
    headers["Content-Type"] = FORM_CONTENT_TYPE

    result = slack.client.raw("POST", "/slack/events", body=body, headers=headers)

    assert result.status == 400


def test_routes_and_methods(bot: LocalBot, slack: SlackSender) -> None:
    assert slack.client.raw("POST", "/slack/other").status == 404
    assert slack.client.raw("GET", "/").status == 404
    assert slack.client.raw("GET", "/slack/events").status == 405
    assert slack.client.raw("PUT", "/slack/events").status == 405
    assert slack.client.raw("POST", "/healthz").status == 404


def test_healthz_ok(bot: LocalBot, slack: SlackSender) -> None:
    result = slack.client.raw("GET", "/healthz")

    assert result.status == 200
    assert json.loads(result.body) == {"status": "ok"}


def test_url_verification_challenge(bot: LocalBot, slack: SlackSender) -> None:
    body = json.dumps(
        {
            "token": "XXYYZZ",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()

    result = slack.client.send(body, JSON_CONTENT_TYPE)

    assert result.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in result.body


def test_non_numeric_timestamp_rejected(bot: LocalBot, slack: SlackSender) -> None:
    body = _idea_command_body(slack, "Forged idea")
    bot.standin.reset()
    headers = {
        "Content-Type": FORM_CONTENT_TYPE,
        "X-Slack-Request-Timestamp": "abc",
        "X-Slack-Signature": "v0=" + "0" * 64,
    }

    result = slack.client.raw("POST", "/slack/events", body=body, headers=headers)

    assert result.status == 401
    _assert_nothing_ran(bot)


def test_signed_event_wrong_shape_4xx(bot: LocalBot, slack: SlackSender) -> None:
    body = json.dumps(
        {"type": "event_callback", "event_id": "Ev0SHAPE", "team_id": "T0001", "event": []}
    ).encode("utf-8")

    result = slack.client.send(body, JSON_CONTENT_TYPE)

    assert 400 <= result.status < 500, result
