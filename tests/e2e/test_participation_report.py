"""End to end: /campaign report shows participation by group, privately, to a manager."""

from __future__ import annotations

from bot.core import roles
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from tests.e2e.support import (
    SlackSender,
    add_staff,
    bot_db,
    post_idea,
    stored_votes,
    text_fields,
    wait_until,
)
from tests.e2e.test_campaigns import send_command


def test_campaign_report_by_group(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id="U0ALICE",
        role="manager",
        granted_by="cli",
        now=bot.process.clock.now(),
    )
    add_staff(bot, "Surgery", ["U0BOB"] + [f"U0SURGERY{n}" for n in range(11)])
    add_staff(bot, "Estates", ["U0TOM"] + [f"U0ESTATES{n}" for n in range(9)])
    # With Pharmacy's one person, "Other groups" contains 11 and Surgery keeps its own line.
    add_staff(bot, "Pharmacy", ["U0PHARMACY0"])
    idea = post_idea(slack, "Fix the lift", user="U0BOB")
    slack.react(user="U0TOM", reaction="+1", ts=str(idea.message_id))
    wait_until(lambda: stored_votes(bot_db(bot), idea.id) == (1, 1), what="Tom's vote")

    http, token = send_command(slack, "report", user="U0ALICE")
    assert http.status == 200
    [response] = wait_until(
        lambda: [r for r in slack.bot.standin.responses(token) if r.params.get("blocks")],
        what="the report",
    )
    assert response.params["response_type"] == "ephemeral"
    texts = "\n".join(text_fields(response.params["blocks"]))
    assert f"Showing the open campaign, {campaign.id}" in texts
    assert "2 of 23 staff took part" in texts
    assert "• Surgery: 1 of 12 (8%)" in texts
    assert "• Other groups: 1 of 11 (9%)" in texts
    assert "Estates" not in texts
    assert "Pharmacy" not in texts
    # The chart follows the reply; waiting for it leaves no upload running at teardown.
    wait_until(bot.standin.uploaded_files, what="the chart upload")

    refused, refused_token = send_command(slack, "report", user="U0BOB")
    assert refused.status == 200
    [refusal] = wait_until(lambda: slack.response_texts(refused_token), what="the refusal")
    assert refusal.startswith("Only engagement managers can")
    assert "Surgery" not in refusal
