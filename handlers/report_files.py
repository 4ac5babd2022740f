"""Files for managers in their direct message with the bot: the participation chart and exports."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core import campaigns
from bot.core.charts import chart_gap, participation_chart
from bot.core.errors import DeliveryFailed, InvalidInput, RateLimited
from bot.core.export import FORMATS, export_campaign
from bot.core.participation_records import ParticipationReport
from bot.core.records import Person
from handlers.context import HandlerContext
from handlers.files import upload_to_direct_message

logger = logging.getLogger(__name__)

EXPORT_USAGE = "Give a campaign ID and, if you like, a format: `/campaign export ID [csv|xlsx]`."
DEFAULT_FORMAT = "xlsx"


def send_report_chart(
    client: WebClient, respond: Respond, *, manager: Person, report: ParticipationReport
) -> None:
    """Upload a report's chart to the manager's direct message and reply with where it went.

    When the report has nothing to chart, the reply gives the reason instead.
    """
    gap = chart_gap(report)
    if gap is not None:
        respond(text=f"No chart this time: {gap}", response_type="ephemeral")
        return
    title = f"Who took part: {report.title}"
    try:
        upload_to_direct_message(
            client,
            manager.user_id,
            filename=f"participation-{report.scope_kind}-{report.scope_id}.png",
            title=title,
            content=participation_chart(report),
            comment=title,
        )
    except (DeliveryFailed, RateLimited) as error:
        logger.warning(
            "Participation chart of %s %s not uploaded to %s: %s",
            report.scope_kind,
            report.scope_id,
            manager.user_id,
            getattr(error, "reason", "ratelimited"),
        )
        respond(
            text="The participation chart could not be uploaded to your direct messages with "
            "the bot. Try `/campaign report` again in a minute.",
            response_type="ephemeral",
        )
        return
    respond(
        text="The participation chart is in your direct messages with the bot.",
        response_type="ephemeral",
    )


def campaign_export_command(
    ctx: HandlerContext,
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    manager: Person,
    arguments: list[str],
) -> None:
    """Build a campaign's export files and upload them to the manager's direct message.

    The caller has checked the manager role. Input is checked before the
    acknowledgement, and the files are built after it, because a large
    campaign can take longer than Slack's 3 seconds for an acknowledgement.
    """
    if not 1 <= len(arguments) <= 2:
        ack(text=EXPORT_USAGE)
        return
    try:
        campaign_id = int(arguments[0])
    except ValueError:
        raise InvalidInput(
            f"{arguments[0]!r} is not a campaign ID: give a whole number, as `/campaign list` "
            "shows.",
            field="campaign",
        ) from None
    export_format = arguments[1].lower() if len(arguments) == 2 else DEFAULT_FORMAT
    if export_format not in FORMATS:
        ack(text=f"{arguments[1]!r} is not an export format. {EXPORT_USAGE}")
        return
    campaign = campaigns.get_campaign(ctx.db, campaign_id)
    ack(
        text=f"Building the {export_format.upper()} export of campaign {campaign.id}. The files "
        "will arrive in your direct messages with the bot."
    )

    with tempfile.TemporaryDirectory(prefix="staffvoice-export-") as folder:
        result = export_campaign(
            ctx.db,
            campaign.id,
            export_format=export_format,
            out_dir=Path(folder),
            timezone=ctx.timezone,
            now=ctx.clock.now(),
            min_group_size=ctx.min_group_size,
            actor=manager.user_id,
        )
        for path in result.paths:
            upload_to_direct_message(
                client,
                manager.user_id,
                filename=path.name,
                title=path.name,
                content=path.read_bytes(),
                comment=None,
            )
    counts = ", ".join(f"{name} {count:,}" for name, count in result.row_counts.items())
    respond(
        text=f"The export of campaign {campaign.id} (rows: {counts}) is in your direct messages "
        f"with the bot: {len(result.paths)} {'file' if len(result.paths) == 1 else 'files'}.",
        response_type="ephemeral",
    )
    logger.info(
        "Uploaded the %s export of campaign %s to %s", export_format, campaign.id, manager.user_id
    )
