"""Slack's side of ReportPublisher: posts ideas and campaign messages with chat.postMessage."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.board_digest import BoardDigest
from bot.core.digest import Digest
from bot.core.errors import DeliveryFailed
from bot.core.outbox import OutboundMessage
from bot.core.recognition_summary import RecognitionSummary
from bot.core.records import (
    BoardRecord,
    CampaignRecord,
    CampaignReport,
    CampaignSummary,
    IdeaRecord,
)
from bot.core.reminders import Reminder
from bot.core.statuses import StatusChange
from bot.core.thanks import ThanksCard
from bot.core.yousaid import YouSaidDraft
from handlers.blocks.announcement import announcement_message, opening_message
from handlers.blocks.board_digest import (
    board_archived_notice,
    board_digest_message,
    lead_departed_notice,
)
from handlers.blocks.campaigns import launch_message, summary_message
from handlers.blocks.digest import digest_message
from handlers.blocks.ideas import idea_message
from handlers.blocks.reminder import reminder_message
from handlers.blocks.report import final_report_message
from handlers.blocks.thanks import card_message, recognition_summary_message
from handlers.blocks.yousaid import listed_ideas, update_message
from handlers.message_links import MessageLinks
from handlers.platform import PLATFORM
from handlers.refresher import VoteCountRefresher
from handlers.staff_count import StaffCounter
from handlers.status_notices import status_outbox_messages

logger = logging.getLogger(__name__)

# Members fetched per conversations.members call; Slack recommends no more than 200.
MEMBERS_PAGE_SIZE = 200

# Explanations shown to the user for the Slack errors a channel post commonly meets.
POST_FAILURE_HINTS = {
    "not_in_channel": "the bot is not a member of that channel; invite it with /invite",
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "is_archived": "the channel is archived",
    "ratelimited": "Slack asked the bot to slow down",
}


def post_failure_hint(reason: str) -> str:
    """Return a short explanation of a Slack error code for the person affected."""
    return POST_FAILURE_HINTS.get(reason, f"Slack answered {reason}")


def direct_messages(
    platform: str, text: str, blocks: list[dict[str, Any]], *, dedupe_keys: Mapping[str, str]
) -> list[OutboundMessage]:
    """Build one outbox message of the same text and blocks per recipient in dedupe_keys.

    dedupe_keys maps each recipient's user id to the outbox key of their copy.
    """
    return [
        OutboundMessage(
            platform=platform, recipient=user_id, text=text, dedupe_key=dedupe_key, blocks=blocks
        )
        for user_id, dedupe_key in dedupe_keys.items()
    ]


class SlackPublisher:
    """Posts and updates the bot's messages in Slack channels."""

    def __init__(
        self, client: WebClient, *, timezone: ZoneInfo, refresher: VoteCountRefresher
    ) -> None:
        self._client = client
        self._timezone = timezone
        self._refresher = refresher
        self._staff = StaffCounter(client)
        self._links = MessageLinks(self.permalink)

    def _post(self, *, channel: str, text: str, blocks: list[dict[str, object]]) -> str:
        try:
            response = self._client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
        except SlackApiError as error:
            reason = str(error.response.get("error", "unknown_error"))
            raise DeliveryFailed(
                f"Posting to <#{channel}> failed: {post_failure_hint(reason)}.", reason=reason
            ) from error
        return str(response["ts"])

    def post_idea(self, idea: IdeaRecord) -> str:
        """Post an idea message with its Vote button in the idea's channel."""
        if idea.channel_id is None:
            raise DeliveryFailed("This idea has no channel to post in.", reason="no_channel")
        text, blocks = idea_message(idea, vote_count=idea.vote_count)
        return self._post(channel=idea.channel_id, text=text, blocks=blocks)

    def post_launch(self, campaign: CampaignRecord) -> str:
        """Post the message that opens a campaign."""
        text, blocks = launch_message(campaign, timezone=self._timezone)
        return self._post(channel=campaign.channel_id, text=text, blocks=blocks)

    def post_announcement(self, campaign: CampaignRecord) -> str:
        """Post a scheduled campaign's announcement with its "Remind me" button."""
        text, blocks = announcement_message(campaign, timezone=self._timezone)
        return self._post(channel=campaign.channel_id, text=text, blocks=blocks)

    def opening_messages(
        self, campaign: CampaignRecord, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages sent at opening to those who pressed "Remind me".

        dedupe_keys maps each recipient's user id to the outbox key of their message.
        """
        text, blocks = opening_message(campaign, timezone=self._timezone)
        return direct_messages(campaign.platform, text, blocks, dedupe_keys=dedupe_keys)

    def post_summary(self, summary: CampaignSummary) -> str:
        """Post a campaign's closing summary, linking each top idea's message."""
        permalinks: dict[int, str] = {}
        for ranked in summary.top_ideas:
            if ranked.channel_id and ranked.message_id:
                link = self.permalink(channel=ranked.channel_id, message_id=ranked.message_id)
                if link:
                    permalinks[ranked.idea_id] = link
        text, blocks = summary_message(summary, permalinks=permalinks)
        return self._post(channel=summary.campaign.channel_id, text=text, blocks=blocks)

    @property
    def timezone(self) -> ZoneInfo:
        """Return the time zone campaign times and report days are shown in."""
        return self._timezone

    def _report_permalinks(self, report: CampaignReport) -> dict[int, str]:
        permalinks: dict[int, str] = {}
        for topic in report.topics:
            for ranked in topic.top_ideas:
                if ranked.channel_id and ranked.message_id:
                    link = self.permalink(channel=ranked.channel_id, message_id=ranked.message_id)
                    if link:
                        permalinks[ranked.idea_id] = link
        return permalinks

    def post_report(self, report: CampaignReport) -> str:
        """Post a campaign's final report in its channel, linking each top idea's message."""
        text, blocks = final_report_message(report, permalinks=self._report_permalinks(report))
        return self._post(channel=report.campaign.channel_id, text=text, blocks=blocks)

    def report_messages(
        self, report: CampaignReport, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the final report, with participation by group, as direct messages for the outbox.

        dedupe_keys maps each recipient's user id to the outbox key of their copy.
        """
        text, blocks = final_report_message(
            report, permalinks=self._report_permalinks(report), by_group=True
        )
        return direct_messages(report.campaign.platform, text, blocks, dedupe_keys=dedupe_keys)

    def show_voting_closed(self, campaign_id: int) -> None:
        """Queue the replacement of a closed campaign's Vote buttons with final counts, paced."""
        self._refresher.show_voting_closed(campaign_id)

    def refresh_idea(self, idea_id: int) -> None:
        """Ask for the idea message's vote count to be brought up to date, throttled."""
        self._refresher.request(idea_id)

    def redraw_idea(self, idea_id: int) -> None:
        """Update the idea message at once, after a change such as its topic being chosen."""
        self._refresher.redraw(idea_id)

    def redraw_ideas_paced(self, idea_ids: Sequence[int]) -> None:
        """Queue idea messages to be redrawn one at a time under chat.update's rate limit."""
        self._refresher.redraw_paced(idea_ids)

    def permalink(self, *, channel: str, message_id: str) -> str | None:
        """Return a message's permalink, or None when Slack does not give one."""
        try:
            response = self._client.chat_getPermalink(channel=channel, message_ts=message_id)
        except SlackApiError as error:
            logger.warning(
                "chat.getPermalink failed for %s/%s: %s",
                channel,
                message_id,
                error.response.get("error"),
            )
            return None
        return str(response["permalink"])

    def reminder_message(self, reminder: Reminder, *, dedupe_key: str) -> OutboundMessage:
        """Build a campaign reminder as an outbox message to the campaign's channel."""
        text, blocks = reminder_message(reminder, timezone=self._timezone)
        return OutboundMessage(
            platform=reminder.campaign.platform,
            recipient=reminder.campaign.channel_id,
            text=text,
            dedupe_key=dedupe_key,
            blocks=blocks,
        )

    def digest_messages(
        self, digest: Digest, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build a digest as direct messages, linking each idea that gained votes.

        dedupe_keys maps each recipient's user id to the outbox key of their copy.
        """
        permalinks: dict[int, str] = {}
        for gain in digest.top_gainers:
            if gain.platform == PLATFORM and gain.channel_id and gain.message_id:
                link = self.permalink(channel=gain.channel_id, message_id=gain.message_id)
                if link:
                    permalinks[gain.idea_id] = link
        text, blocks = digest_message(digest, permalinks=permalinks, timezone=self._timezone)
        return direct_messages(digest.campaign.platform, text, blocks, dedupe_keys=dedupe_keys)

    def idea_link(self, *, channel_id: str, message_id: str) -> str | None:
        """Return the permalink of an idea's message, or None when Slack does not give one."""
        return self.permalink(channel=channel_id, message_id=message_id)

    def idea_links(self, draft: YouSaidDraft) -> dict[int, str]:
        """Return links to the messages of the ideas an update lists, most built without a call."""
        messages = [
            (idea.idea_id, idea.channel_id, idea.message_id)
            for idea in listed_ideas(draft)
            if idea.platform == PLATFORM and idea.channel_id and idea.message_id
        ]
        return self._links.links(messages)

    def yousaid_message(
        self, draft: YouSaidDraft, *, links: dict[int, str], dedupe_key: str
    ) -> OutboundMessage:
        """Build a "You said, we did" update as a message to its campaign's channel."""
        text, blocks = update_message(draft, links=links, timezone=self._timezone)
        return OutboundMessage(
            platform=draft.campaign.platform,
            recipient=draft.campaign.channel_id,
            text=text,
            dedupe_key=dedupe_key,
            blocks=blocks,
        )

    def status_messages(
        self, change: StatusChange, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages about an idea's new status, without calling Slack.

        dedupe_keys maps each recipient's user id to the outbox key of their message.
        """
        return status_outbox_messages(change, dedupe_keys=dedupe_keys)

    def count_staff(self) -> int | None:
        """Return the number of people in the workspace, or None when counting failed."""
        return self._staff.count()

    def is_channel_member(self, channel_id: str, user_id: str) -> bool | None:
        """Return whether a user is a member of a channel, or None when Slack refuses the list.

        Reads conversations.members a page at a time and stops at the first page with the user.
        """
        cursor: str | None = None
        while True:
            try:
                response = self._client.conversations_members(
                    channel=channel_id, limit=MEMBERS_PAGE_SIZE, cursor=cursor
                )
            except SlackApiError as error:
                logger.warning(
                    "conversations.members failed for %s: %s",
                    channel_id,
                    error.response.get("error"),
                )
                return None
            if user_id in (response.get("members") or []):
                return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return False

    def board_digest_message(self, digest: BoardDigest, *, dedupe_key: str) -> OutboundMessage:
        """Build a board's weekly digest as a direct message to its lead, linking listed ideas."""
        permalinks: dict[int, str] = {}
        for idea in (*digest.new_ideas, *digest.waiting_ideas):
            if idea.idea_id not in permalinks and idea.channel_id and idea.message_id:
                link = self.permalink(channel=idea.channel_id, message_id=idea.message_id)
                if link:
                    permalinks[idea.idea_id] = link
        text, blocks = board_digest_message(digest, permalinks=permalinks, timezone=self._timezone)
        return OutboundMessage(
            platform=digest.board.platform,
            recipient=digest.board.lead_id,
            text=text,
            dedupe_key=dedupe_key,
            blocks=blocks,
        )

    def board_archived_message(self, board: BoardRecord, *, dedupe_key: str) -> OutboundMessage:
        """Build the direct message telling a lead their board closed with its archived channel."""
        text, blocks = board_archived_notice(board)
        return OutboundMessage(
            platform=board.platform,
            recipient=board.lead_id,
            text=text,
            dedupe_key=dedupe_key,
            blocks=blocks,
        )

    def lead_departed_messages(
        self, board: BoardRecord, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages telling managers that a board needs a new lead.

        dedupe_keys maps each recipient's user id to the outbox key of their message.
        """
        text, blocks = lead_departed_notice(board)
        return direct_messages(board.platform, text, blocks, dedupe_keys=dedupe_keys)

    def post_thanks_card(self, card: ThanksCard) -> str:
        """Post a thank-you card in its recognition channel and return the message id."""
        if card.channel_id is None:
            raise DeliveryFailed(
                f"Thanks {card.id} has no channel to post in.", reason="channel_not_found"
            )
        text, blocks = card_message(card)
        return self._post(channel=card.channel_id, text=text, blocks=blocks)

    def update_thanks_card(self, card: ThanksCard) -> None:
        """Show a posted card's current colleagues; DeliveryFailed when Slack rejects the update."""
        if card.channel_id is None or card.message_id is None:
            return
        text, blocks = card_message(card)
        try:
            self._client.chat_update(
                channel=card.channel_id, ts=card.message_id, text=text, blocks=blocks
            )
        except SlackApiError as error:
            reason = str(error.response.get("error", "unknown_error"))
            raise DeliveryFailed(
                f"Updating the card in <#{card.channel_id}> failed: {post_failure_hint(reason)}.",
                reason=reason,
            ) from error

    def recognition_summary_messages(
        self, summary: RecognitionSummary, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the monthly recognition summary as one direct message per manager."""
        text, blocks = recognition_summary_message(summary)
        return direct_messages(summary.platform, text, blocks, dedupe_keys=dedupe_keys)
