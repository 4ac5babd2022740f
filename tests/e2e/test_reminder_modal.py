"""End to end: the reminder fields of the campaign modal, with inline errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.simulate.local_bot import HttpResult, LocalBot
from handlers.blocks.campaigns_modal import (
    FINAL_REMINDER_ACTION,
    FINAL_REMINDER_BLOCK,
    REMINDER_DAYS_ACTION,
    REMINDER_DAYS_BLOCK,
)
from handlers.ids import CampaignIds
from storage.models import Campaign
from tests.e2e.support import SlackSender, bot_db, count_rows, wait_until
from tests.e2e.test_campaigns import manager, modal_errors, send_command, submit

__all__ = ["manager"]


class ReminderFieldsSender:
    """Sends the campaign modal's submission with the reminder fields set as given."""

    def __init__(self, slack: SlackSender, *, days: str | None, hours: str | None) -> None:
        self.bot = slack.bot
        self._slack = slack
        self._days = days
        self._hours = hours

    def new_trigger_id(self) -> str:
        return self._slack.new_trigger_id()

    def send_interaction(self, payload: dict[str, Any]) -> HttpResult:
        values = payload["view"]["state"]["values"]
        values[REMINDER_DAYS_BLOCK] = {
            REMINDER_DAYS_ACTION: {"type": "plain_text_input", "value": self._days}
        }
        values[FINAL_REMINDER_BLOCK] = {
            FINAL_REMINDER_ACTION: {"type": "number_input", "value": self._hours}
        }
        return self._slack.send_interaction(payload)


def submit_with(
    slack: SlackSender, *, reminder_days: str | None, hours: str | None, **inputs: Any
) -> HttpResult:
    sender = ReminderFieldsSender(slack, days=reminder_days, hours=hours)
    return submit(sender, **inputs)  # type: ignore[arg-type]


def stored_settings(bot: LocalBot) -> list[tuple[str, int]]:
    with bot_db(bot).transaction() as session:
        rows = session.scalars(select(Campaign).order_by(Campaign.id))
        return [(row.reminder_days, row.final_reminder_hours) for row in rows]


def test_modal_has_reminder_fields(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    send_command(slack, "", user=manager)

    [call] = wait_until(lambda: bot.standin.calls("views.open"), what="views.open")
    blocks = {block["block_id"]: block for block in call.params["view"]["blocks"]}
    days = blocks[REMINDER_DAYS_BLOCK]
    assert days["optional"] is True
    assert days["element"]["initial_value"] == "10"
    hours = blocks[FINAL_REMINDER_BLOCK]
    assert hours["optional"] is True
    assert hours["element"]["initial_value"] == "48"
    assert hours["element"]["min_value"] == "0"


def test_submission_stores_reminders(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    http = submit_with(slack, reminder_days=" 12, 4 ,18", hours="24")

    assert http.status == 200
    assert "errors" not in http.body
    assert stored_settings(bot) == [("4,12,18", 24)]


def test_empty_fields_mean_none(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    http = submit_with(slack, reminder_days=None, hours=None)

    assert http.status == 200
    assert "errors" not in http.body
    assert stored_settings(bot) == [("", 0)]


@pytest.mark.parametrize(
    ("days", "hours", "inputs", "block", "expected"),
    [
        ("10, soon", "48", {}, REMINDER_DAYS_BLOCK, "'soon' is not a day number"),
        ("10", "48", {"days": "5"}, REMINDER_DAYS_BLOCK, "Reminder day 10 is outside"),
        ("1", "48", {}, REMINDER_DAYS_BLOCK, "give day numbers from 2 to 20"),
        ("10, 10", "48", {}, REMINDER_DAYS_BLOCK, "given twice"),
        ("10", "480", {}, FINAL_REMINDER_BLOCK, "give fewer than 480 hours"),
        ("10", "-3", {}, FINAL_REMINDER_BLOCK, "give 0 for no final reminder"),
        ("10", "two", {}, FINAL_REMINDER_BLOCK, "whole number"),
    ],
)
def test_invalid_reminders_inline_error(
    bot: LocalBot,
    slack: SlackSender,
    manager: str,
    days: str,
    hours: str,
    inputs: dict[str, Any],
    block: str,
    expected: str,
) -> None:
    errors = modal_errors(submit_with(slack, reminder_days=days, hours=hours, **inputs))

    assert list(errors) == [block]
    assert expected in errors[block]
    assert count_rows(bot_db(bot), Campaign) == 0


def test_reminder_and_days_errors_together(bot: LocalBot, slack: SlackSender, manager: str) -> None:
    errors = modal_errors(submit_with(slack, reminder_days="x", hours="y"))

    assert set(errors) == {REMINDER_DAYS_BLOCK, FINAL_REMINDER_BLOCK}
    assert CampaignIds.DAYS_BLOCK.value not in errors
