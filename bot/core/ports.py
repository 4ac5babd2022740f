"""What the core and the scheduler need from a chat platform, whichever it is."""

from __future__ import annotations

from typing import Protocol

from bot.core.records import CampaignRecord, CampaignSummary, IdeaRecord


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
