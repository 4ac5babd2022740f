"""End to end: `/campaign yousaid`, its preview and Post button, and the monthly update."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.core import roles
from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from handlers.ids import YouSaidIds
from scheduler.yousaid import post_monthly_yousaid_updates
from storage.database import Database
from storage.models import Idea, IdeaStatusChange, ScheduledRun, YouSaidUpdate
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    campaign_row,
    count_rows,
    post_idea,
    settle,
    text_fields,
    wait_until,
)
from tests.e2e.test_announcement import press_button
from tests.e2e.test_campaigns import send_command

MANAGER_ID = "U0BOSS"
AFTER_ID_HELP = (
    "After the campaign ID, write `monthly on` or `monthly off`, or nothing to preview an update."
)


def grant_manager(bot: LocalBot) -> None:
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER_ID,
        role="manager",
        granted_by="cli",
        now=bot.process.clock.now(),
    )


def answer(
    db: Database, idea_id: int, status: str, *, reply: str | None, owner: str | None
) -> None:
    """Store a status change on the idea and in its history, as the status code does."""
    with db.transaction() as session:
        idea = session.get(Idea, idea_id)
        assert idea is not None
        idea.status, idea.status_reply, idea.status_owner = status, reply, owner
        session.add(
            IdeaStatusChange(
                idea_id=idea_id,
                status=status,
                reply=reply,
                owner=owner,
                changed_by=MANAGER_ID,
                changed_at=datetime.now(UTC),
            )
        )


def command_reply(slack: SlackSender, text: str, *, user: str = MANAGER_ID) -> dict[str, Any]:
    """Send /campaign with text and return the private reply in the HTTP response."""
    http, _ = send_command(slack, text, user=user)
    assert http.status == 200, http.body
    # Bolt returns an acknowledgement with text alone as plain text, and one with blocks as JSON.
    if not http.body.startswith("{"):
        return {"text": http.body}
    reply: dict[str, Any] = json.loads(http.body)
    return reply


def updates_in_channel(bot: LocalBot) -> list[dict[str, Any]]:
    return [
        message
        for message in bot.standin.messages(CAMPAIGN_CHANNEL)
        if "You said, we did" in " ".join(text_fields(message.get("blocks", [])))
    ]


def post_button_value(reply: dict[str, Any]) -> str:
    for block in reply.get("blocks", []):
        for element in block.get("elements", []):
            if element.get("action_id") == YouSaidIds.POST_ACTION.value:
                return str(element["value"])
    raise AssertionError(f"no Post button in {reply}")


def test_preview_post_once(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    grant_manager(bot)
    db = bot_db(bot)
    lift = post_idea(slack, "Fix the lift", user="U0ALICE")
    rota = post_idea(slack, "Share the rota early", user="U0BOB")
    answer(db, lift.id, "planned", reply="Booked for March", owner="Estates team")
    answer(db, rota.id, "done", reply=None, owner=None)

    preview = command_reply(slack, f"yousaid {campaign.id}")
    preview_text = " ".join(text_fields(preview["blocks"]))
    assert "lists 2 ideas" in preview_text
    assert "• Planned: 1" in preview_text
    assert "• Done: 1" in preview_text
    assert updates_in_channel(bot) == []

    value = post_button_value(preview)
    token = press_button(
        slack, action_id=YouSaidIds.POST_ACTION.value, value=value, user=MANAGER_ID
    )
    [confirmation] = wait_until(lambda: slack.response_texts(token), what="the Post reply")
    assert "Posted the" in confirmation
    [update] = wait_until(lambda: updates_in_channel(bot), what="the update in the channel")
    body = " ".join(text_fields(update["blocks"]))
    assert "*Planned* (1)" in body
    assert "*Done* (1)" in body
    assert lift.message_id is not None
    link = f"/archives/{CAMPAIGN_CHANNEL}/p{lift.message_id.replace('.', '')}|Fix the lift>"
    assert link in body
    assert "_Owner: Estates team_ · Booked for March" in body

    # A second press of the same button, as a double click makes, posts nothing more.
    again = press_button(
        slack, action_id=YouSaidIds.POST_ACTION.value, value=value, user=MANAGER_ID
    )
    [second] = wait_until(lambda: slack.response_texts(again), what="the second Post reply")
    assert "posted already" in second
    settle(bot)
    assert len(updates_in_channel(bot)) == 1
    assert count_rows(db, YouSaidUpdate) == 1

    # Nothing changed since: the reply states it with the date, and has no button.
    nothing = command_reply(slack, f"yousaid {campaign.id}")
    assert "Nothing changed" in nothing["text"]
    assert "since the last update on 20" in nothing["text"]
    assert "blocks" not in nothing or not nothing["blocks"]


def test_yousaid_bad_requests(bot: LocalBot, slack: SlackSender, campaign: CampaignRecord) -> None:
    grant_manager(bot)

    _, refused = send_command(slack, f"yousaid {campaign.id}", user="U0ALICE")
    [refusal] = wait_until(lambda: slack.response_texts(refused), what="the refusal")
    assert "Only engagement managers" in refusal

    first = command_reply(slack, f"yousaid {campaign.id}")
    assert "has a status yet" in first["text"]

    _, token = send_command(slack, "yousaid 999", user=MANAGER_ID)
    [unknown] = wait_until(lambda: slack.response_texts(token), what="the unknown campaign reply")
    assert "There is no campaign 999" in unknown

    for words in ("monthly maybe", "weekly on", "monthly", "monthly on now"):
        after_id = command_reply(slack, f"yousaid {campaign.id} {words}")
        assert after_id["text"] == AFTER_ID_HELP, words
    assert not campaign_row(bot_db(bot), campaign.id).yousaid_monthly

    not_a_number = command_reply(slack, "yousaid spring")
    assert "'spring' is not a campaign ID" in not_a_number["text"]

    usage = command_reply(slack, "yousaid")
    assert usage["text"].startswith("Give a campaign ID:")
    assert count_rows(bot_db(bot), YouSaidUpdate) == 0


def test_monthly_switch_and_job_once(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord, manual_clock: ManualClock
) -> None:
    grant_manager(bot)
    db = bot_db(bot)
    idea = post_idea(slack, "Fix the lift", user="U0ALICE")
    answer(db, idea.id, "in_progress", reply="Parts ordered", owner=None)

    on = command_reply(slack, f"yousaid {campaign.id} monthly on")
    assert "now gets a monthly update" in on["text"]
    assert campaign_row(db, campaign.id).yousaid_monthly

    # Two scheduler runs at once on the first of the month post one update.
    manual_clock.set(datetime(2030, 2, 1, 9, 30, tzinfo=UTC))
    results: list[list[int]] = []
    barrier = threading.Barrier(2)

    def run_job() -> None:
        barrier.wait()
        results.append(post_monthly_yousaid_updates())

    threads = [threading.Thread(target=run_job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [[], [campaign.id]]
    assert post_monthly_yousaid_updates() == []

    [update] = wait_until(lambda: updates_in_channel(bot), what="the monthly update")
    assert "Parts ordered" in " ".join(text_fields(update["blocks"]))
    settle(bot)
    assert len(updates_in_channel(bot)) == 1
    with db.transaction() as session:
        [row] = session.scalars(select(YouSaidUpdate)).all()
        assert row.created_by == "scheduler"
        assert session.get(ScheduledRun, f"yousaid:{campaign.id}:2030-02") is not None

    off = command_reply(slack, f"yousaid {campaign.id} monthly off")
    assert "Monthly updates are now off" in off["text"]
    assert not campaign_row(db, campaign.id).yousaid_monthly
