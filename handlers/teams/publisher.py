"""Posts ideas and campaign messages to Teams channels, and keeps idea cards' counts current."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.board_digest import BoardDigest
from bot.core.conversations import find_conversation
from bot.core.digest import Digest
from bot.core.errors import DeliveryFailed
from bot.core.outbox import OutboundMessage
from bot.core.records import (
    BoardRecord,
    CampaignRecord,
    CampaignReport,
    CampaignSummary,
    IdeaRecord,
)
from bot.core.reminders import Reminder
from bot.core.statuses import StatusChange
from bot.core.yousaid import YouSaidDraft
from handlers.blocks.announcement import announcement_message, opening_message
from handlers.blocks.board_digest import (
    board_archived_notice,
    board_digest_message,
    lead_departed_notice,
)
from handlers.blocks.digest import digest_message
from handlers.blocks.yousaid import update_message
from handlers.status_notices import status_outbox_messages
from handlers.teams.activity import PLATFORM
from handlers.teams.cards import adaptive_card, notice_card, plain_text, text_block
from handlers.teams.cards_channel import launch_card, reminder_card
from handlers.teams.cards_ideas import idea_card
from handlers.teams.cards_report import report_card
from handlers.teams.connector import TeamsConnector, card_activity
from handlers.teams.converted import card_from_blocks
from handlers.teams.refresher import REFRESH_INTERVAL_SECONDS, CardRefresher, counts_hidden
from storage.database import Database

logger = logging.getLogger(__name__)

# The reason a Teams digest gives for not showing the participants' share of staff.
COUNT_MISSING = "Teams does not give the bot a count of the organisation's staff."
# The "You said, we did" pointer to where Teams users see the discussion of an idea.
SEE_DISCUSSION = "The replies to each idea are under its card in the channel."


class TeamsPublisher:
    """The ChatPublisher of Teams channels."""

    def __init__(
        self,
        connector: TeamsConnector,
        db: Database,
        *,
        timezone: ZoneInfo,
        refresh_interval: float = REFRESH_INTERVAL_SECONDS,
    ) -> None:
        self._connector = connector
        self._db = db
        self._timezone = timezone
        self._refresher = CardRefresher(
            connector, db, service_url=self._service_url, interval=refresh_interval
        )

    @property
    def timezone(self) -> ZoneInfo:
        """Return the organisation's time zone."""
        return self._timezone

    def _service_url(self, channel_id: str) -> str:
        conversation = find_conversation(self._db, channel_id)
        if conversation is None or not conversation.service_url:
            raise DeliveryFailed(
                "The bot has not seen that Teams channel yet: add the staffvoice app to its team.",
                reason="channel_unknown",
            )
        return conversation.service_url

    def post_card(self, channel_id: str, card: dict[str, object], *, text: str) -> str:
        """Post a card in a channel and return its activity id."""
        return self._connector.send(self._service_url(channel_id), channel_id, card_activity(card))

    def post_idea(self, idea: IdeaRecord) -> str:
        """Post an idea's card in its channel and return the activity id."""
        if idea.channel_id is None:
            raise DeliveryFailed("The idea has no channel to be posted in.", reason="no_channel")
        card = idea_card(idea, counts_hidden=counts_hidden(idea))
        return self.post_card(idea.channel_id, card, text=f"New idea {idea.id}")

    def post_launch(self, campaign: CampaignRecord) -> str:
        """Post the card that opens a campaign in its Teams channel."""
        channel = campaign.channel_on(PLATFORM)
        if channel is None:
            raise DeliveryFailed("The campaign has no Teams channel.", reason="no_channel")
        card = launch_card(campaign, timezone=self._timezone)
        return self.post_card(channel, card, text=f"{campaign.title} is open")

    def post_summary(self, summary: CampaignSummary) -> str:
        """Post a campaign's closing summary in its Teams channel."""
        campaign = summary.campaign
        channel = campaign.channel_on(PLATFORM)
        if channel is None:
            raise DeliveryFailed("The campaign has no Teams channel.", reason="no_channel")
        totals = (
            f"{summary.participant_count} people took part: {summary.idea_count} ideas, "
            f"{summary.vote_count} votes and {summary.comment_count} comments."
        )
        body = [
            plain_text(f"{campaign.title} has closed", weight="Bolder"),
            text_block(totals),
        ]
        for ranked in summary.top_ideas:
            body.append(plain_text(f"{ranked.rank}. {ranked.text} ({ranked.vote_count} votes)"))
        return self.post_card(channel, adaptive_card(body), text=f"{campaign.title} has closed")

    # The messages Slack's views build, converted to cards; see handlers.teams.converted.

    def _card_message(
        self, recipient: str, text: str, blocks: list[dict[str, Any]], *, dedupe_key: str
    ) -> OutboundMessage:
        return OutboundMessage(
            platform=PLATFORM,
            recipient=recipient,
            text=text,
            dedupe_key=dedupe_key,
            card=card_from_blocks(blocks, fallback=text),
        )

    def _direct(
        self, text: str, blocks: list[dict[str, Any]], dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        return [
            self._card_message(user_id, text, blocks, dedupe_key=key)
            for user_id, key in dedupe_keys.items()
        ]

    def post_announcement(self, campaign: CampaignRecord) -> str:
        """Post a scheduled campaign's announcement in its Teams channel."""
        channel = campaign.channel_on(PLATFORM)
        if channel is None:
            raise DeliveryFailed("The campaign has no Teams channel.", reason="no_channel")
        text, blocks = announcement_message(campaign, timezone=self._timezone)
        return self.post_card(channel, card_from_blocks(blocks, fallback=text), text=text)

    def opening_messages(
        self, campaign: CampaignRecord, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages sent at opening to those who requested a reminder."""
        text, blocks = opening_message(campaign, timezone=self._timezone)
        return self._direct(text, blocks, dedupe_keys)

    def post_report(self, report: CampaignReport) -> str:
        """Post a campaign's final report in its Teams channel."""
        channel = report.campaign.channel_on(PLATFORM)
        if channel is None:
            raise DeliveryFailed("The campaign has no Teams channel.", reason="no_channel")
        return self.post_card(channel, report_card(report, by_group=False), text="Final report")

    def report_messages(
        self, report: CampaignReport, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the final report, with participation by group, as direct messages."""
        card = report_card(report, by_group=True)
        text = f"The final report of {report.campaign.title}"
        return [
            OutboundMessage(
                platform=PLATFORM, recipient=user_id, text=text, dedupe_key=key, card=card
            )
            for user_id, key in dedupe_keys.items()
        ]

    def reminder_message(self, reminder: Reminder, *, dedupe_key: str) -> OutboundMessage:
        """Build a campaign reminder as an outbox message to the campaign's Teams channel."""
        text, card = reminder_card(reminder, timezone=self._timezone)
        channel = reminder.campaign.channel_on(PLATFORM) or reminder.campaign.channel_id
        return OutboundMessage(
            platform=PLATFORM, recipient=channel, text=text, dedupe_key=dedupe_key, card=card
        )

    def digest_messages(
        self, digest: Digest, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build a daily digest as direct messages to the managers' personal chats."""
        text, blocks = digest_message(
            digest, permalinks={}, timezone=self._timezone, count_missing=COUNT_MISSING
        )
        return self._direct(text, blocks, dedupe_keys)

    def count_staff(self) -> int | None:
        """Return None: the bot cannot count a tenant's people through the Bot Connector."""
        return None

    def idea_link(self, *, channel_id: str, message_id: str) -> str | None:
        """Return None: a link to a Teams message needs the team's group id, not stored."""
        del channel_id, message_id
        return None

    def idea_links(self, draft: YouSaidDraft) -> dict[int, str]:
        """Return no links, as idea_link does."""
        del draft
        return {}

    def yousaid_message(
        self, draft: YouSaidDraft, *, links: dict[int, str], dedupe_key: str
    ) -> OutboundMessage:
        """Build a "You said, we did" update as a message to the campaign's Teams channel."""
        text, blocks = update_message(
            draft, links=links, timezone=self._timezone, see_discussion=SEE_DISCUSSION
        )
        channel = draft.campaign.channel_on(PLATFORM) or draft.campaign.channel_id
        return self._card_message(channel, text, blocks, dedupe_key=dedupe_key)

    def status_messages(
        self, change: StatusChange, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages about an idea's new status, as cards."""
        return [
            OutboundMessage(
                platform=PLATFORM,
                recipient=message.recipient,
                text=message.text,
                dedupe_key=message.dedupe_key,
                card=card_from_blocks(message.blocks, fallback=message.text),
            )
            for message in status_outbox_messages(change, dedupe_keys=dedupe_keys)
        ]

    def is_channel_member(self, channel_id: str, user_id: str) -> bool | None:
        """Return None: channel membership is not read in Teams."""
        del channel_id, user_id
        return None

    def board_digest_message(self, digest: BoardDigest, *, dedupe_key: str) -> OutboundMessage:
        """Build a board's weekly digest as a direct message to its lead."""
        # Teams has no command for the digest's day and time, so the note names none.
        text, blocks = board_digest_message(
            digest, permalinks={}, timezone=self._timezone, change_schedule=None
        )
        return self._card_message(digest.board.lead_id, text, blocks, dedupe_key=dedupe_key)

    def board_archived_message(self, board: BoardRecord, *, dedupe_key: str) -> OutboundMessage:
        """Build the direct message telling a lead their board closed."""
        text, blocks = board_archived_notice(board)
        return self._card_message(board.lead_id, text, blocks, dedupe_key=dedupe_key)

    def lead_departed_messages(
        self, board: BoardRecord, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages telling managers that a board needs a new lead."""
        text, blocks = lead_departed_notice(board)
        return self._direct(text, blocks, dedupe_keys)

    def show_voting_closed(self, campaign_id: int) -> None:
        """Update the Teams cards of a closed campaign's ideas to show voting closed."""
        self._refresher.show_voting_closed(campaign_id)

    def refresh_idea(self, idea_id: int) -> None:
        """Update the idea's card soon, at most once per refresh interval."""
        self._refresher.request(idea_id)

    def show_current(self, idea_id: int) -> IdeaRecord | None:
        """Update the idea's card now, from this thread; return the idea as drawn."""
        return self._refresher.show_current(idea_id)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until no card update is due; False when some are still due after timeout."""
        return self._refresher.flush(timeout)

    def stop(self) -> None:
        """Stop the card refresher's threads."""
        self._refresher.stop()

    def notice(self, channel_id: str, title: str, text: str) -> str:
        """Post a short notice card in a channel."""
        return self.post_card(channel_id, notice_card(title, text), text=title)
