"""End to end: `/campaign remind ID`, its preview and the direct messages it sends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.core import roles
from bot.core.clock import ManualClock
from bot.core.directory import import_staff
from bot.simulate.local_bot import BOT_TOKEN, HttpResult, LocalBot
from bot.simulate.slack_standin import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, SlackStandIn
from handlers.blocks.group_reminder import group_value, groups_block_id
from handlers.ids import GroupReminderIds
from storage.models import GroupReminder
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    count_rows,
    load_payload,
    open_campaign_now,
    post_idea,
    text_fields,
    wait_until,
)
from tests.e2e.test_campaigns import send_command

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
MANAGER_ID = "U0BOSS"
ESTATES = [f"U0E{n:02d}" for n in range(12)]
NURSING = [f"U0N{n:02d}" for n in range(11)]


@pytest.fixture
def fast_bot(database_url: str, manual_clock: ManualClock, tmp_path: Path) -> Iterator[LocalBot]:
    """A bot whose outbox sends 50 messages a second, with a manager and a staff list."""
    standin = SlackStandIn(bot_token=BOT_TOKEN)
    with LocalBot(
        database_url=database_url, clock=manual_clock, standin=standin, outbox_rate=50
    ) as bot:
        db = bot_db(bot)
        roles.grant_role(
            db,
            platform="slack",
            user_id=MANAGER_ID,
            role="manager",
            granted_by="cli",
            now=manual_clock.now(),
        )
        rows = [f"{u.lower()}@x.nhs.uk,Estates,3,Estates,North,{u}" for u in ESTATES]
        rows += [f"{u.lower()}@x.nhs.uk,Nursing,5,Nursing,South,{u}" for u in NURSING]
        path = tmp_path / "staff.csv"
        path.write_text(
            "Email,Directorate,Band,Staff Group,Locality,Slack ID\n" + "\n".join(rows),
            encoding="utf-8",
        )
        import_staff(db, path, now=manual_clock.now())
        yield bot


def submit_view(
    slack: SlackSender, *, callback: str, metadata: str, values: dict[str, Any]
) -> dict[str, Any]:
    payload = load_payload("view_submission")
    payload["team"].update(id=TEAM_ID, domain=TEAM_DOMAIN)
    payload["user"].update(id=MANAGER_ID, username="boss", name="boss", team_id=TEAM_ID)
    payload.update(api_app_id=APP_ID, trigger_id=slack.new_trigger_id())
    payload["view"].update(
        team_id=TEAM_ID,
        app_id=APP_ID,
        bot_id=BOT_ID,
        callback_id=callback,
        private_metadata=metadata,
        state={"values": values},
    )
    http: HttpResult = slack.send_interaction(payload)
    assert http.status == 200, http.body
    answer: dict[str, Any] = json.loads(http.body)
    return answer


def reminder_dms(bot: LocalBot, user_id: str) -> list[dict[str, Any]]:
    return [
        message
        for message in bot.standin.messages(user_id)
        if "is open until" in " ".join(text_fields(message.get("blocks", [])))
    ]


@SQLITE_ONLY
def test_remind_modal_flow(fast_bot: LocalBot) -> None:
    bot = fast_bot
    slack = SlackSender(bot)
    try:
        campaign = open_campaign_now(bot)
        post_idea(slack, "Fix the lift", user=ESTATES[0])

        send_command(slack, f"remind {campaign.id}", user=MANAGER_ID)
        [opened] = wait_until(lambda: bot.standin.calls("views.open"), what="views.open")
        blocks = {block.get("block_id"): block for block in opened.params["view"]["blocks"]}
        options = blocks[groups_block_id("directorate")]["element"]["options"]
        assert [option["text"]["text"] for option in options] == [
            "Estates (1 of 12)",
            "Nursing (0 of 11)",
        ]

        estates = {"value": group_value("Estates"), "text": {"type": "plain_text", "text": "E"}}
        preview = submit_view(
            slack,
            callback=GroupReminderIds.COMPOSE_CALLBACK.value,
            metadata=str(campaign.id),
            values={
                groups_block_id("directorate"): {
                    GroupReminderIds.GROUPS_ACTION.value: {"selected_options": [estates]}
                },
                GroupReminderIds.NOTE_BLOCK.value: {
                    GroupReminderIds.NOTE_ACTION.value: {"value": "Tea & cake at 3"}
                },
            },
        )
        assert preview["response_action"] == "update"
        preview_text = " ".join(text_fields(preview["view"]["blocks"]))
        assert "This reminder will reach 11 people who have not taken part yet." in preview_text

        sent = submit_view(
            slack,
            callback=GroupReminderIds.CONFIRM_CALLBACK.value,
            metadata=preview["view"]["private_metadata"],
            values={},
        )
        sent_text = " ".join(text_fields(sent["view"]["blocks"]))
        assert "Reminder sent to 11 people" in sent_text
        assert "U0E" not in sent_text

        for user_id in ESTATES[1:]:
            [dm] = wait_until(lambda u=user_id: reminder_dms(bot, u), what=f"the DM to {user_id}")
            body = " ".join(text_fields(dm["blocks"]))
            assert "*Winter ideas* is open until" in body
            assert f"<#{CAMPAIGN_CHANNEL}>" in body
            assert "`/idea`" in body
            assert "Tea &amp; cake at 3" in body
            assert "not taken part" not in body
        assert reminder_dms(bot, ESTATES[0]) == []
        assert all(reminder_dms(bot, user_id) == [] for user_id in NURSING)

        # A second press of Send, as a double click makes, sends nothing more.
        again = submit_view(
            slack,
            callback=GroupReminderIds.CONFIRM_CALLBACK.value,
            metadata=preview["view"]["private_metadata"],
            values={},
        )
        assert "was sent already" in " ".join(text_fields(again["view"]["blocks"]))
        assert count_rows(bot_db(bot), GroupReminder) == 1
        assert len(reminder_dms(bot, ESTATES[1])) == 1
    finally:
        slack.close()
