"""The Adaptive Card that lists campaigns for a manager in Teams."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from bot.core.records import CampaignRecord
from bot.core.schedule import format_local
from handlers.teams.cards import (
    MAX_CARD_BYTES,
    Card,
    Element,
    adaptive_card,
    card_size,
    plain_text,
    text_block,
)

# Headings of the list's sections, in the order shown.
SECTIONS = (
    ("scheduled", "Scheduled"),
    ("open", "Open"),
    ("closed", "Past"),
    ("cancelled", "Cancelled"),
)


def _campaign_lines(
    campaign: CampaignRecord, *, timezone: ZoneInfo, channel_label: Callable[[str, str], str]
) -> list[Element]:
    channels = " · ".join(
        channel_label(platform, channel) for platform, channel in campaign.channels
    )
    dates = (
        f"{format_local(campaign.starts_at, timezone)} to "
        f"{format_local(campaign.ends_at, timezone)}"
    )
    return [
        plain_text(f"{campaign.id}: {campaign.title}", weight="bolder", spacing="small"),
        plain_text(f"{campaign.status} · {dates} · {channels}", subtle=True, spacing="none"),
    ]


def _build(
    shown: Sequence[CampaignRecord],
    *,
    left_out: int,
    timezone: ZoneInfo,
    channel_label: Callable[[str, str], str],
) -> Card:
    body: list[Element] = [text_block("Campaigns", weight="bolder", size="medium")]
    for status, heading in SECTIONS:
        members = [campaign for campaign in shown if campaign.status == status]
        if not members:
            continue
        body.append(text_block(heading, weight="bolder"))
        for campaign in members:
            body.extend(_campaign_lines(campaign, timezone=timezone, channel_label=channel_label))
    if left_out:
        noun = "campaign is" if left_out == 1 else "campaigns are"
        body.append(
            plain_text(
                f"{left_out} older {noun} left out to keep this card within Teams' size limit.",
                subtle=True,
            )
        )
    body.append(
        text_block(
            "Send **campaign close ID**, **campaign extend ID DAYS**, **campaign cancel ID**, "
            "**campaign add ID CHANNEL** or **report ID**.",
            subtle=True,
        )
    )
    return adaptive_card(body)


def campaign_list_card(
    campaigns: Sequence[CampaignRecord],
    *,
    timezone: ZoneInfo,
    channel_label: Callable[[str, str], str],
) -> Card:
    """Build the list of campaigns by status: id, title, status, dates and channels.

    channel_label(platform, channel id) names each channel. When the card would
    pass MAX_CARD_BYTES, the campaigns that start earliest are left out, and the
    card states how many.
    """
    ordered = sorted(campaigns, key=lambda campaign: (campaign.starts_at, campaign.id))
    for skipped in range(len(ordered) + 1):
        card = _build(
            ordered[skipped:], left_out=skipped, timezone=timezone, channel_label=channel_label
        )
        if card_size(card) <= MAX_CARD_BYTES:
            return card
    return card
