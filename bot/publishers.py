"""One publisher for the jobs of a process that serves Slack, Teams or both.

Jobs hold one publisher. This one sends each idea's messages to the platform the idea
came from, and posts a campaign's launch, reminders, summary and report in each of its
channels. Any other call (such as digests) goes to the publisher of the platform its first
argument belongs to, such as the campaign's, or else to the main platform's publisher.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core.campaign_channels import channel_message, record_channel_message
from bot.core.errors import DeliveryFailed, NotFound, StaffvoiceError
from bot.core.ideas import get_idea
from bot.core.outbox import OutboundMessage
from bot.core.ports import ChatPublisher
from bot.core.records import CampaignRecord, CampaignReport, CampaignSummary, IdeaRecord
from bot.core.reminders import Reminder
from bot.core.yousaid import YouSaidDraft
from storage.database import Database

logger = logging.getLogger(__name__)


class PlatformPublishers:
    """Routes publisher calls to the publisher of each platform the process serves."""

    def __init__(self, db: Database, *, main: str) -> None:
        self._db = db
        self._publishers: dict[str, Any] = {}
        self._main_platform = main

    def add(self, platform: str, publisher: Any) -> None:
        """Route the calls about a platform to its publisher; add the main platform's first."""
        self._publishers[platform] = publisher

    @property
    def _main(self) -> Any:
        return self._publishers[self._main_platform]

    def for_platform(self, platform: str) -> ChatPublisher | None:
        """Return the publisher of a platform, or None when this process does not serve it."""
        publisher = self._publishers.get(platform)
        return publisher if publisher is not None else None

    def __getattr__(self, name: str) -> Any:
        # A method not defined here goes to the publisher of the platform its first
        # argument belongs to (a campaign, report, digest, board...), else the main one.
        if name.startswith("_"):
            raise AttributeError(name)
        owners = [p for p in self._publishers.values() if hasattr(p, name)]
        if not owners:
            raise AttributeError(name)
        default = self._main if hasattr(self._main, name) else owners[0]
        if not callable(getattr(default, name)):
            return getattr(default, name)

        def routed(*args: Any, **kwargs: Any) -> Any:
            publisher = self._publishers.get(_platform_of(args) or "")
            if publisher is None or not hasattr(publisher, name):
                publisher = default
            return getattr(publisher, name)(*args, **kwargs)

        return routed

    def post_idea(self, idea: IdeaRecord) -> str:
        """Post an idea on the platform it came from."""
        return self._of(idea.platform).post_idea(idea)

    def refresh_idea(self, idea_id: int) -> None:
        """Bring the count on an idea's message up to date, on its platform."""
        try:
            idea = get_idea(self._db, idea_id)
        except NotFound:
            return
        publisher = self._publishers.get(idea.platform)
        if publisher is not None:
            publisher.refresh_idea(idea_id)

    def show_voting_closed(self, campaign_id: int) -> None:
        """Show a closed campaign's idea messages closed, on every platform served."""
        for publisher in self._publishers.values():
            if hasattr(publisher, "show_voting_closed"):
                publisher.show_voting_closed(campaign_id)

    def post_launch(self, campaign: CampaignRecord) -> str:
        """Post a campaign's opening message in each of its channels; return the first's id."""
        return self._post_everywhere(campaign, "launch", lambda p: p.post_launch(campaign))

    def post_summary(self, summary: CampaignSummary) -> str:
        """Post a campaign's closing summary in each of its channels; return the first's id."""
        return self._post_everywhere(summary.campaign, "summary", lambda p: p.post_summary(summary))

    def post_report(self, report: CampaignReport) -> str:
        """Post a campaign's final report in each of its channels; return the first's id."""
        return self._post_everywhere(report.campaign, "summary", lambda p: p.post_report(report))

    def reminder_messages(self, reminder: Reminder, *, dedupe_key: str) -> list[OutboundMessage]:
        """Build a reminder for each of the campaign's channels on a platform this process serves.

        The copy for the campaign's own channel has dedupe_key, and another platform's copy
        has the platform's name added. A process that does not serve the campaign's own
        platform builds none, so the scheduler of a process that does sends the reminder.
        """
        campaign = reminder.campaign
        messages: list[OutboundMessage] = []
        for platform, publisher in self._channel_publishers(campaign, "reminder"):
            key = dedupe_key if platform == campaign.platform else f"{dedupe_key}:{platform}"
            messages.append(publisher.reminder_message(reminder, dedupe_key=key))
        return messages

    def idea_links(self, draft: YouSaidDraft) -> dict[int, str]:
        """Return links to the messages of an update's ideas, from each idea's platform."""
        links: dict[int, str] = {}
        for publisher in self._publishers.values():
            links.update(publisher.idea_links(draft))
        return links

    def yousaid_messages(
        self, draft: YouSaidDraft, *, links: dict[int, str], dedupe_key: str
    ) -> list[OutboundMessage]:
        """Build an update for each of the campaign's channels on a platform this process serves.

        Each copy links only the ideas of its own platform. The copy for the campaign's own
        channel has dedupe_key, and another platform's copy has the platform's name added.
        """
        campaign = draft.campaign
        platform_of = {idea.idea_id: idea.platform for idea in draft.ideas}
        messages: list[OutboundMessage] = []
        for platform, publisher in self._channel_publishers(campaign, "update"):
            own_links = {
                idea_id: link
                for idea_id, link in links.items()
                if platform_of.get(idea_id) == platform
            }
            key = dedupe_key if platform == campaign.platform else f"{dedupe_key}:{platform}"
            messages.append(publisher.yousaid_message(draft, links=own_links, dedupe_key=key))
        return messages

    def _channel_publishers(self, campaign: CampaignRecord, message: str) -> list[tuple[str, Any]]:
        """Return the platform and publisher of each channel of a campaign this process serves.

        Raises DeliveryFailed when this process does not serve the campaign's own platform,
        so that the job fails here and a process that does serve it does the work.
        """
        if campaign.platform not in self._publishers:
            raise DeliveryFailed(
                f"This process does not serve {campaign.platform}.", reason="platform_not_served"
            )
        found: list[tuple[str, Any]] = []
        for platform, _channel in campaign.channels or ((campaign.platform, campaign.channel_id),):
            publisher = self._publishers.get(platform)
            if publisher is None:
                logger.warning(
                    "Campaign %s %s not built for %s, which this process does not serve",
                    campaign.id,
                    message,
                    platform,
                )
                continue
            found.append((platform, publisher))
        return found

    def _post_everywhere(self, campaign: CampaignRecord, kind: str, post: Any) -> str:
        own = self._publishers.get(campaign.platform)
        for platform, _channel in campaign.channels:
            publisher = self._publishers.get(platform)
            if platform == campaign.platform or publisher is None:
                continue
            if channel_message(self._db, campaign.id, platform=platform, kind=kind):
                continue
            try:
                message_id = post(publisher)
            except StaffvoiceError as error:
                # The campaign's own channel decides whether the post is tried again.
                logger.warning(
                    "Campaign %s %s not posted on %s (%s)", campaign.id, kind, platform, error.code
                )
                continue
            record_channel_message(
                self._db, campaign.id, platform=platform, kind=kind, message_id=message_id
            )
        if own is None:
            # A process that does not serve the campaign's own platform records nothing
            # there; the other platform's process posts it.
            raise DeliveryFailed(
                f"This process does not serve {campaign.platform}.", reason="platform_not_served"
            )
        return str(post(own))

    def _of(self, platform: str) -> Any:
        publisher = self._publishers.get(platform)
        if publisher is None:
            raise NotFound(f"This process does not serve {platform}.")
        return publisher


def _platform_of(args: tuple[Any, ...]) -> str | None:
    """Return the platform of a call's first argument, or None when it names none."""
    if not args:
        return None
    first = args[0]
    for holder in (first, getattr(first, "campaign", None), getattr(first, "board", None)):
        platform = getattr(holder, "platform", None)
        if isinstance(platform, str):
            return platform
    return None
