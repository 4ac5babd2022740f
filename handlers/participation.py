"""`/campaign report [ID]`: a campaign's participation by group, replied privately to a manager."""

from __future__ import annotations

import logging

from slack_bolt import Ack, Respond

from bot.core import answer_stats, campaigns
from bot.core.errors import InvalidInput
from bot.core.participation_records import ParticipationReport
from bot.core.participation_report import campaign_to_report, participation_report
from bot.core.records import Person
from handlers.blocks.answers import answers_block
from handlers.blocks.participation import participation_message
from handlers.context import HandlerContext
from handlers.mrkdwn import escape

logger = logging.getLogger(__name__)

USAGE = "Give at most one campaign ID: `/campaign report` or `/campaign report ID`."


def campaign_report_command(
    ctx: HandlerContext, *, ack: Ack, respond: Respond, manager: Person, arguments: list[str]
) -> ParticipationReport | None:
    """Reply privately with a campaign's participation report, and return the report.

    With no ID, the report is of the open campaign that started last, or else
    of the campaign that closed last, and the reply names it. The caller
    has checked the manager role. Returns None when there is nothing to report.
    """
    if len(arguments) > 1:
        ack(text=USAGE)
        return None
    note: str | None = None
    if arguments:
        try:
            campaign_id = int(arguments[0])
        except ValueError:
            raise InvalidInput(
                f"{arguments[0]!r} is not a campaign ID: give a whole number, "
                "as `/campaign list` shows.",
                field="campaign",
            ) from None
        campaign = campaigns.get_campaign(ctx.db, campaign_id)
    else:
        chosen = campaign_to_report(ctx.db)
        if chosen is None:
            ack(
                text="No campaign has opened yet, so there is no participation to report. "
                "`/campaign list` shows the scheduled ones."
            )
            return None
        campaign = chosen
        kind = "the open campaign" if campaign.status == "open" else "the latest closed campaign"
        note = (
            f"Showing {kind}, {campaign.id} ({escape(campaign.title)}). "
            "Send `/campaign report ID` for another."
        )
    if campaign.status in ("scheduled", "cancelled"):
        ack(
            text=f"Campaign {campaign.id} is {campaign.status}, so no one has taken part yet. "
            "`/campaign list` shows the open and past campaigns."
        )
        return None

    # Counting a large campaign can take longer than Slack's 3-second limit
    # on the acknowledgement, so the report goes to the response URL.
    ack()
    report = participation_report(
        ctx.db,
        campaign_id=campaign.id,
        timezone=ctx.timezone,
        now=ctx.clock.now(),
        min_group_size=ctx.min_group_size,
    )
    text, blocks = participation_message(report, live=campaign.status == "open", note=note)
    # Answers mostly come after the close and its final report, so this report shows them too.
    answers = answer_stats.answer_stats(ctx.db, campaign_id=campaign.id)
    blocks = [*blocks, answers_block(answers)]
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    # Anything sent after the reply, such as a chart of this report, goes here.
    logger.info("Sent the participation report of campaign %s to %s", campaign.id, manager.user_id)
    return report
