"""End to end: the participation chart and /campaign export reach the manager's direct message."""

from __future__ import annotations

from bot.core import roles
from bot.core.charts import PNG_SIGNATURE
from bot.core.records import CampaignRecord
from bot.simulate.local_bot import LocalBot
from bot.simulate.slack_standin import UploadedFile, direct_message_channel
from tests.e2e.support import SlackSender, add_staff, bot_db, post_idea, wait_until
from tests.e2e.test_campaigns import send_command

MANAGER_ID = "U0ALICE"


def test_chart_and_export_uploaded(
    bot: LocalBot, slack: SlackSender, campaign: CampaignRecord
) -> None:
    assert bot.process is not None
    roles.grant_role(
        bot_db(bot),
        platform="slack",
        user_id=MANAGER_ID,
        role="manager",
        granted_by="cli",
        now=bot.process.clock.now(),
    )
    add_staff(bot, "Surgery", ["U0BOB"] + [f"U0SURGERY{n}" for n in range(11)])
    post_idea(slack, "Fix the lift", user="U0BOB")
    manager_dm = direct_message_channel(MANAGER_ID)

    report, report_token = send_command(slack, "report", user=MANAGER_ID)
    [chart] = wait_until(bot.standin.uploaded_files, what="the chart upload")
    replies = wait_until(
        lambda: [text for text in slack.response_texts(report_token) if "chart" in text],
        what="the line saying where the chart is",
    )
    export, export_token = send_command(slack, f"export {campaign.id} csv", user=MANAGER_ID)

    def csv_uploads() -> list[UploadedFile] | None:
        uploaded = bot.standin.uploaded_files()
        return uploaded[1:] if len(uploaded) == 5 else None

    uploads = wait_until(csv_uploads, what="the four CSV files")
    export_replies = wait_until(
        lambda: [text for text in slack.response_texts(export_token) if "export" in text],
        what="the export confirmation",
    )

    assert report.status == 200
    assert chart.channel == manager_dm
    assert chart.name == f"participation-campaign-{campaign.id}.png"
    assert chart.content.startswith(PNG_SIGNATURE)
    assert replies == ["The participation chart is in your direct messages with the bot."]
    assert export.status == 200
    assert [upload.name for upload in uploads] == [
        f"campaign-{campaign.id}-{table}.csv"
        for table in ("ideas", "comments", "participation", "daily")
    ]
    assert all(upload.channel == manager_dm for upload in uploads)
    assert "Fix the lift" in uploads[0].content.decode("utf-8-sig")
    assert "Surgery" in uploads[2].content.decode("utf-8-sig")
    assert export_replies[-1].startswith(f"The export of campaign {campaign.id} (rows: ideas 1,")
