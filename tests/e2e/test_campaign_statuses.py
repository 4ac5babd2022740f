"""End to end: a manager answers a closed campaign's idea from its message, and the CLI in bulk."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core import outbox, roles
from bot.core.clock import ManualClock
from bot.core.records import CampaignRecord, Person
from bot.core.status_import import set_statuses_from_file
from bot.core.votes import VoteChange, change_vote
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import TEAM_ID
from handlers.ids import StatusIds
from handlers.status_notices import OfflineStatusNotifier
from scheduler import jobs
from storage.models import IdeaStatusChange
from tests.e2e.support import (
    CAMPAIGN_CHANNEL,
    SlackSender,
    bot_db,
    campaign_row,
    count_rows,
    idea_row,
    idea_update_calls,
    post_idea,
    settle,
    text_fields,
    wait_until,
)
from tests.e2e.test_statuses import choose_status, opened_views, submit_status

MANAGER_ID = "U0MAY"
AUTHOR_ID = "U0ALICE"
VOTER_IDS = ("U0BOB", "U0TOM")


def answer_dms(bot: LocalBot, user_id: str) -> list[str]:
    """Return the text of the direct messages to a user that announce an idea's answer."""
    texts = [" ".join(text_fields(m.get("blocks") or [])) for m in bot.standin.messages(user_id)]
    return [text for text in texts if "has an answer" in text]


def menu_values(blocks: list[dict[str, object]]) -> list[str]:
    """Return the option values of the status menu in an idea message's blocks."""
    for block in blocks:
        for element in block.get("elements") or []:  # type: ignore[attr-defined]
            if element.get("action_id") == StatusIds.MENU_ACTION:
                return [option["value"] for option in element["options"]]
    return []


def test_manager_answers_closed_campaign_idea(
    bot: LocalBot,
    slack: SlackSender,
    campaign: CampaignRecord,
    manual_clock: ManualClock,
    tmp_path: Path,
) -> None:
    db = bot_db(bot)
    roles.grant_role(
        db,
        platform="slack",
        user_id=MANAGER_ID,
        role=roles.MANAGER,
        granted_by="test",
        now=manual_clock.now(),
    )
    idea = post_idea(slack, "Warmer break room", user=AUTHOR_ID)
    message_ts = idea.message_id
    assert message_ts is not None
    for voter in VOTER_IDS:
        person = Person(platform="slack", team_id=TEAM_ID, user_id=voter)
        change_vote(db, person, idea_id=idea.id, change=VoteChange.CAST, now=manual_clock.now())

    # The campaign closes, and the redraw that shows voting closed keeps the status menu.
    manual_clock.set(campaign.ends_at)
    wait_until(
        lambda: campaign_row(db, campaign.id).status == "closed", what="the campaign to close"
    )

    def closed_update() -> list[dict[str, object]] | None:
        for call in idea_update_calls(bot, message_ts):
            blocks = call.params.get("blocks") or []
            if any("Voting closed" in text for text in text_fields(blocks)):
                return blocks  # type: ignore[no-any-return]
        return None

    closed_blocks = wait_until(closed_update, what="the idea message to show voting closed")
    assert menu_values(closed_blocks) == [
        f"{idea.id}:{status}"
        for status in ("under_consideration", "planned", "in_progress", "done", "not_taken_forward")
    ]

    # A colleague who is not a manager is rejected privately, and no modal opens.
    rejected = choose_status(
        slack,
        user="U0BOB",
        value=f"{idea.id}:in_progress",
        message_ts=message_ts,
        trigger_id=slack.new_trigger_id(),
        channel=CAMPAIGN_CHANNEL,
    )
    [rejection] = wait_until(
        lambda: slack.response_texts(rejected.response_token), what="the rejection"
    )
    assert "Only an engagement manager can answer campaign ideas" in rejection
    settle(bot)
    assert bot.standin.calls("views.open") == []

    # The manager's choice opens the modal with the status and an empty owner field.
    choose_status(
        slack,
        user=MANAGER_ID,
        value=f"{idea.id}:in_progress",
        message_ts=message_ts,
        trigger_id=slack.new_trigger_id(),
        channel=CAMPAIGN_CHANNEL,
    )
    [view] = wait_until(lambda: opened_views(bot), what="the status modal")
    blocks_by_id = {block.get("block_id"): block for block in view["blocks"]}
    assert blocks_by_id[StatusIds.STATUS_BLOCK]["element"]["initial_option"]["value"] == (
        "in_progress"
    )
    assert "initial_value" not in blocks_by_id[StatusIds.OWNER_BLOCK]["element"]

    too_long = submit_status(
        slack, user=MANAGER_ID, view=view, status="in_progress", reply=None, owner="x" * 201
    )
    errors = json.loads(too_long.body)
    assert "the maximum is 200" in errors["errors"][StatusIds.OWNER_BLOCK]
    assert idea_row(db, idea.id).status is None

    saved = submit_status(
        slack,
        user=MANAGER_ID,
        view=view,
        status="in_progress",
        reply="Heaters ordered",
        owner="Estates team",
    )
    assert saved.status == 200, saved.body
    assert "response_action" not in saved.body

    def answered_update() -> str | None:
        for call in idea_update_calls(bot, message_ts):
            text = " ".join(text_fields(call.params.get("blocks") or []))
            if "Answer: In progress" in text:
                return text
        return None

    redrawn = wait_until(answered_update, what="the idea message showing the answer")
    assert "Owner: Estates team" in redrawn
    assert "Heaters ordered" in redrawn
    assert "Voting closed" in redrawn

    # The author and each voter get one direct message, with the owner.
    for user_id in (AUTHOR_ID, *VOTER_IDS):
        [dm] = wait_until(lambda u=user_id: answer_dms(bot, u), what=f"the DM to {user_id}")
        assert "In progress" in dm
        assert "Owner: Estates team" in dm

    # Changing the owner alone redraws the message and sends nothing.
    updates_before = len(idea_update_calls(bot, message_ts))
    moved = submit_status(
        slack,
        user=MANAGER_ID,
        view=view,
        status="in_progress",
        reply="Heaters ordered",
        owner="Facilities",
    )
    assert moved.status == 200, moved.body
    wait_until(
        lambda: len(idea_update_calls(bot, message_ts)) > updates_before,
        what="the redraw with the new owner",
    )
    last = " ".join(text_fields(idea_update_calls(bot, message_ts)[-1].params.get("blocks")))
    assert "Owner: Facilities" in last
    settle(bot)
    assert count_rows(db, IdeaStatusChange) == 2
    for user_id in (AUTHOR_ID, *VOTER_IDS):
        assert len(answer_dms(bot, user_id)) == 1

    # The command line's change is sent once each and redrawn by the stale-message job.
    path = tmp_path / "outcome.csv"
    path.write_text(f"id,status,reply\n{idea.id},Done,Fitted in March\n", encoding="utf-8")
    result = set_statuses_from_file(
        db, path, now=manual_clock.now(), notifier=OfflineStatusNotifier()
    )
    assert result.changed == 1
    assert result.notified == 3

    def done_update() -> str | None:
        # The job runs every minute in the bot. It leaves a message alone for 5 seconds
        # after its last update, so the test runs it until the redraw comes.
        jobs.refresh_stale_idea_messages()
        for call in idea_update_calls(bot, message_ts):
            text = " ".join(text_fields(call.params.get("blocks") or []))
            if "Answer: Done" in text:
                return text
        return None

    done_text = wait_until(
        done_update, timeout=15, interval=0.5, what="the redraw after the command line's change"
    )
    assert "Owner: Facilities" in done_text
    assert "Fitted in March" in done_text
    for user_id in (AUTHOR_ID, *VOTER_IDS):
        wait_until(
            lambda u=user_id: len(answer_dms(bot, u)) == 2, what=f"the second DM to {user_id}"
        )
    settle(bot)
    assert bot.process is not None
    clock = bot.process.clock
    # The outbox records a message as sent just after the stand-in receives it.
    wait_until(
        lambda: outbox.outbox_counts(db, platform="slack", now=clock.now()).pending == 0,
        what="the outbox to record every message as sent",
    )
    for user_id in (AUTHOR_ID, *VOTER_IDS):
        assert len(answer_dms(bot, user_id)) == 2
