"""Interfaces the core and the scheduler need from a chat platform, whichever it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from bot.core.records import (
    BoardRecord,
    CampaignRecord,
    CampaignReport,
    CampaignSummary,
    IdeaRecord,
)

if TYPE_CHECKING:
    # bot.core.outbox imports this module, so the import is for type checking only.
    from bot.core.board_digest import BoardDigest
    from bot.core.digest import Digest
    from bot.core.outbox import OutboundMessage
    from bot.core.recognition_summary import RecognitionSummary
    from bot.core.reminders import Reminder
    from bot.core.statuses import StatusChange
    from bot.core.thanks import ThanksCard


class ChatPublisher(Protocol):
    """Posts the bot's own messages to a chat platform and returns their message ids."""

    def post_idea(self, idea: IdeaRecord) -> str:
        """Post an idea to its channel and return the message id."""
        ...

    def post_launch(self, campaign: CampaignRecord) -> str:
        """Post a campaign's opening message to its channel and return the message id."""
        ...

    def post_summary(self, summary: CampaignSummary) -> str:
        """Post a campaign's closing summary to its channel and return the message id."""
        ...

    def refresh_idea(self, idea_id: int) -> None:
        """Bring the vote count shown on an idea's message up to date, within rate limits."""
        ...


@runtime_checkable
class AnnouncementPublisher(Protocol):
    """Posts a campaign's announcement before it opens, and builds the messages sent at opening."""

    def post_announcement(self, campaign: CampaignRecord) -> str:
        """Post a scheduled campaign's announcement to its channel and return the message id.

        Raises DeliveryFailed with the platform's error code as reason when the post fails.
        """
        ...

    def opening_messages(
        self, campaign: CampaignRecord, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages that tell people a campaign is open, for the outbox.

        dedupe_keys maps each recipient's user id to the outbox key of their message.
        """
        ...


class OutboxSender(Protocol):
    """Sends one outbox message to a chat platform, for the outbox to retry or record."""

    @property
    def permanent_reasons(self) -> frozenset[str]:
        """Return the DeliveryFailed reasons that no retry can fix, so the message is given up."""
        ...

    def send(self, message: OutboundMessage) -> str:
        """Send a message and return its platform message id.

        Raises RateLimited when the platform rejects the call for its rate limit,
        and DeliveryFailed with the platform's error code as reason for any other failure.
        """
        ...


@runtime_checkable
class TracedOutboxSender(OutboxSender, Protocol):
    """An OutboxSender that marks each message with its outbox id and can find it afterwards.

    The outbox uses it to send a message at most once when a process stopped
    after the platform accepted the message and before it was recorded sent.
    """

    def send_traced(self, message: OutboundMessage, *, outbox_id: int) -> str:
        """Send a message as send() does, marked with its outbox id; return its message id."""
        ...

    def find_sent(self, message: OutboundMessage, *, outbox_id: int) -> str | None:
        """Return the message id of the message sent earlier with this outbox id, or None.

        Raises RateLimited and DeliveryFailed as send() does.
        """
        ...


@runtime_checkable
class ReportPublisher(ChatPublisher, Protocol):
    """A ChatPublisher that also posts a campaign's final report and builds it as a message."""

    @property
    def timezone(self) -> ZoneInfo:
        """Return the time zone the report counts campaign days in."""
        ...

    def post_report(self, report: CampaignReport) -> str:
        """Post a campaign's final report to its channel and return the message id."""
        ...

    def report_messages(
        self, report: CampaignReport, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the final report as outbox messages, one per recipient id in dedupe_keys."""
        ...

    def show_voting_closed(self, campaign_id: int) -> None:
        """Replace the Vote buttons of a closed campaign's idea messages with final counts."""
        ...


@runtime_checkable
class CampaignNotifier(Protocol):
    """Builds a campaign's channel reminders and managers' digests, and counts the staff."""

    @property
    def timezone(self) -> ZoneInfo:
        """Return the time zone that campaign days and the digest time are counted in."""
        ...

    def reminder_messages(self, reminder: Reminder, *, dedupe_key: str) -> list[OutboundMessage]:
        """Build a reminder as outbox messages, one to each channel the campaign runs in."""
        ...

    def digest_messages(
        self, digest: Digest, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build a digest as direct messages, one per recipient user id in dedupe_keys."""
        ...

    def count_staff(self) -> int | None:
        """Return how many people the workspace has, leaving out bots; None when counting fails."""
        ...


@runtime_checkable
class StatusNotifier(Protocol):
    """Links to idea messages, and builds the direct messages that announce an idea's new status."""

    def idea_link(self, *, channel_id: str, message_id: str) -> str | None:
        """Return a link to an idea's message, or None when the platform gives none."""
        ...

    def status_messages(
        self, change: StatusChange, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build one direct message per recipient user id in dedupe_keys about a status change.

        It runs inside the transaction that stores the change, so it must not call the platform.
        """
        ...


@runtime_checkable
class BoardNotifier(Protocol):
    """Builds the direct messages about Your Shout boards and checks channel membership."""

    @property
    def timezone(self) -> ZoneInfo:
        """Return the time zone that board digest days and times are counted in."""
        ...

    def is_channel_member(self, channel_id: str, user_id: str) -> bool | None:
        """Return whether a user is a member of a channel, or None when the check fails."""
        ...

    def board_digest_message(self, digest: BoardDigest, *, dedupe_key: str) -> OutboundMessage:
        """Build a board's weekly digest as a direct message to the board's lead."""
        ...

    def board_archived_message(self, board: BoardRecord, *, dedupe_key: str) -> OutboundMessage:
        """Build the direct message telling a lead that their board closed with its channel."""
        ...

    def lead_departed_messages(
        self, board: BoardRecord, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages telling managers that a board needs a new lead.

        dedupe_keys maps each recipient's user id to the outbox key of their message.
        """
        ...


@runtime_checkable
class CardPublisher(Protocol):
    """Posts and updates thank-you cards in a workspace's recognition channel."""

    def post_thanks_card(self, card: ThanksCard) -> str:
        """Post a card in its channel and return the message id.

        Raises DeliveryFailed with the platform's error code as reason when the post fails.
        """
        ...

    def update_thanks_card(self, card: ThanksCard) -> None:
        """Show a posted card's current colleagues on its message; DeliveryFailed on failure."""
        ...


@runtime_checkable
class RecognitionNotifier(Protocol):
    """Builds the monthly recognition summary as direct messages to managers."""

    @property
    def timezone(self) -> ZoneInfo:
        """Return the time zone months start in, at 09:00 on their first day."""
        ...

    def recognition_summary_messages(
        self, summary: RecognitionSummary, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the summary as one direct message per recipient user id in dedupe_keys.

        It runs inside the transaction that records the summary as sent, so it must not
        call the platform.
        """
        ...
