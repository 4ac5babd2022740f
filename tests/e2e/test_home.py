"""The App Home tab through signed Slack requests: publishing it, and acting on it as a manager."""

from __future__ import annotations

import json
from typing import Any

from bot.core import moderation, roles
from bot.core.moderation import ItemRef
from bot.core.records import CampaignRecord, Person
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import APP_ID, TEAM_ID, RecordedCall
from handlers.blocks.ideas import HIDDEN_IDEA_NOTICE
from handlers.blocks.statuses import menu_value
from handlers.ids import HomeIds, ModerationIds, StatusIds, ThanksIds
from tests.e2e.support import (
    SlackSender,
    bot_db,
    idea_row,
    load_payload,
    post_idea,
    settle,
    wait_until,
)

MANAGER_ID = "U0ALICE"
STAFF_ID = "U0BOB"


def _grant_manager(bot: LocalBot) -> None:
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER_ID,
        role="manager",
        granted_by="cli",
        now=bot.process.clock.now(),
    )


def _open_home(slack: SlackSender, *, user: str, tab: str = "home") -> None:
    event = load_payload("app_home_opened")["event"]
    event.update(user=user, tab=tab, channel=f"D{user}", event_ts=slack.new_ts())
    http, _ = slack.send_event("app_home_opened", event)
    assert http.status == 200, http.body


def _publishes(bot: LocalBot, user: str) -> list[RecordedCall]:
    return [
        call
        for call in bot.standin.calls("views.publish")
        if call.params.get("user_id") == user and call.error is None
    ]


def _wait_for_publish(bot: LocalBot, user: str, *, count: int) -> dict[str, Any]:
    calls = wait_until(
        lambda: _publishes(bot, user)[count - 1 :] if len(_publishes(bot, user)) >= count else [],
        what=f"Home tab publish number {count} for {user}",
    )
    view = calls[0].params["view"]
    assert isinstance(view, dict)
    return view


def _elements(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        found.extend(block.get("elements", []))
        if "accessory" in block:
            found.append(block["accessory"])
    return found


def _home_action(
    slack: SlackSender,
    *,
    user: str,
    action: dict[str, Any],
) -> None:
    payload = load_payload("home_block_actions")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload["team"].update(id=TEAM_ID)
    payload["api_app_id"] = APP_ID
    payload["trigger_id"] = slack.new_trigger_id()
    payload["actions"] = [{**action, "action_ts": slack.new_ts()}]
    assert slack.send_interaction(payload).status == 200


def _status_submission(
    slack: SlackSender, *, user: str, idea_id: int, status: str, reply: str
) -> None:
    payload = load_payload("view_submission")
    payload["user"].update(id=user, username=user.lower(), name=user.lower(), team_id=TEAM_ID)
    payload["team"].update(id=TEAM_ID)
    payload["api_app_id"] = APP_ID
    payload["trigger_id"] = slack.new_trigger_id()
    payload["view"].update(
        callback_id=HomeIds.STATUS_CALLBACK.value,
        private_metadata=str(idea_id),
        state={
            "values": {
                StatusIds.STATUS_BLOCK.value: {
                    StatusIds.STATUS_ACTION.value: {
                        "type": "static_select",
                        "selected_option": {"value": status},
                    }
                },
                StatusIds.REPLY_BLOCK.value: {
                    StatusIds.REPLY_ACTION.value: {"type": "plain_text_input", "value": reply}
                },
            }
        },
    )
    assert slack.send_interaction(payload).status == 200


def test_home_opened_publishes_view(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack, "Quiet room for breaks", user=STAFF_ID)

    _open_home(slack, user=STAFF_ID)

    view = _wait_for_publish(bot, STAFF_ID, count=1)
    assert view["type"] == "home"
    body = json.dumps(view)
    assert campaign.title in body
    assert f"Idea {idea.id}" in body
    assert "Quiet room for breaks" in body
    assert "Not answered yet" in body
    assert "For engagement managers" not in body
    assert ThanksIds.OPEN_ACTION in [element.get("action_id") for element in _elements(view)]
    stored = bot.standin.home_view(STAFF_ID)
    assert stored is not None
    assert stored["blocks"] == view["blocks"]


def test_messages_tab_publishes_nothing(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    _open_home(slack, user=STAFF_ID, tab="messages")
    settle(bot)

    assert _publishes(bot, STAFF_ID) == []


def test_manager_hides_from_home(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    assert bot.process is not None
    _grant_manager(bot)
    idea = post_idea(slack, "Rename the Tuesday huddle", user=STAFF_ID)
    moderation.report_item(
        bot_db(bot),
        Person("slack", TEAM_ID, "U0TOM"),
        ItemRef("idea", idea.id),
        reason="Rude",
        now=bot.process.clock.now(),
        anon_key=None,
    )

    _open_home(slack, user=MANAGER_ID)
    view = _wait_for_publish(bot, MANAGER_ID, count=1)
    [hide] = [
        element
        for element in _elements(view)
        if element.get("action_id") == ModerationIds.HIDE_ACTION
    ]
    assert hide["value"] == f"idea:{idea.id}"
    assert "For engagement managers" in json.dumps(view)

    _home_action(slack, user=MANAGER_ID, action={**hide, "block_id": "moderation-idea"})

    republished = _wait_for_publish(bot, MANAGER_ID, count=2)
    assert f"Idea {idea.id} is hidden" in json.dumps(republished["blocks"][0])
    restore = [
        element
        for element in _elements(republished)
        if element.get("action_id") == ModerationIds.RESTORE_ACTION
    ]
    assert [element["value"] for element in restore] == [f"idea:{idea.id}"]
    assert ModerationIds.HIDE_ACTION not in json.dumps(republished)
    assert idea_row(bot_db(bot), idea.id).hidden_at is not None
    wait_until(
        lambda: [
            call
            for call in bot.standin.calls("chat.update")
            if call.params.get("ts") == idea.message_id
            and call.params.get("text") == HIDDEN_IDEA_NOTICE
        ],
        what="the idea message replaced by the hidden notice",
    )


def test_manager_answers_from_home(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    _grant_manager(bot)
    idea = post_idea(slack, "Fix the rota", user=STAFF_ID)

    _open_home(slack, user=MANAGER_ID)
    view = _wait_for_publish(bot, MANAGER_ID, count=1)
    [menu] = [
        element
        for element in _elements(view)
        if element.get("action_id") == HomeIds.STATUS_MENU_ACTION
    ]
    planned = next(
        option for option in menu["options"] if option["value"] == menu_value(idea.id, "planned")
    )

    _home_action(
        slack,
        user=MANAGER_ID,
        action={
            "type": "overflow",
            "action_id": menu["action_id"],
            "block_id": "home-awaiting",
            "selected_option": planned,
        },
    )
    [opened] = wait_until(lambda: bot.standin.calls("views.open"), what="the status modal")
    modal = opened.params["view"]
    assert modal["callback_id"] == HomeIds.STATUS_CALLBACK
    assert modal["private_metadata"] == str(idea.id)

    _status_submission(slack, user=MANAGER_ID, idea_id=idea.id, status="planned", reply="In May")

    republished = _wait_for_publish(bot, MANAGER_ID, count=2)
    assert idea_row(bot_db(bot), idea.id).status == "planned"
    assert idea_row(bot_db(bot), idea.id).status_reply == "In May"
    assert HomeIds.STATUS_MENU_ACTION not in json.dumps(republished)
    assert "Every campaign idea has an answer." in json.dumps(republished)


def test_staff_cannot_answer_from_home(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    idea = post_idea(slack, "Fix the rota", user=STAFF_ID)

    _home_action(
        slack,
        user=STAFF_ID,
        action={
            "type": "overflow",
            "action_id": HomeIds.STATUS_MENU_ACTION.value,
            "block_id": "home-awaiting",
            "selected_option": {
                "text": {"type": "plain_text", "text": "Planned"},
                "value": menu_value(idea.id, "planned"),
            },
        },
    )

    [message] = wait_until(
        lambda: [
            call
            for call in bot.standin.calls("chat.postMessage")
            if call.params.get("channel") == STAFF_ID
        ],
        what="the private refusal",
    )
    assert "manager" in str(message.params.get("text"))
    settle(bot)
    assert bot.standin.calls("views.open") == []
    assert idea_row(bot_db(bot), idea.id).status is None


def test_thank_button_opens_form(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    _open_home(slack, user=STAFF_ID)
    view = _wait_for_publish(bot, STAFF_ID, count=1)
    [button] = [
        element for element in _elements(view) if element.get("action_id") == ThanksIds.OPEN_ACTION
    ]

    _home_action(slack, user=STAFF_ID, action={**button, "block_id": "home-thanks"})

    # With no recognition channel set yet, the modal explains that in place of the form.
    [opened] = wait_until(lambda: bot.standin.calls("views.open"), what="the thank-you modal")
    assert opened.params["view"]["title"]["text"] == "Thank a colleague"
