"""Helpers of the Teams end-to-end tests: sending activities and reading what the bot sent."""

from __future__ import annotations

from typing import Any

from bot.core.campaigns import create_campaign
from bot.core.records import CampaignRecord
from bot.simulate import teams_activities as act
from bot.simulate.local_bot import LocalBot
from bot.simulate.teams_activities import TeamsActivityClient, TeamsChannel, TeamsResult, TeamsUser
from bot.simulate.teams_standin import TeamsStandIn
from storage.models import Campaign
from tests.e2e.support import wait_until


class TeamsSender:
    """Sends activities to a LocalBot serving Teams, and reads its Bot Connector stand-in."""

    def __init__(self, bot: LocalBot) -> None:
        assert bot.teams_standin is not None and bot.process is not None
        self.bot = bot
        self.standin: TeamsStandIn = bot.teams_standin
        self.client: TeamsActivityClient = bot.teams_client()
        self.service_url = self.standin.service_url

    def send(self, activity: dict[str, Any]) -> TeamsResult:
        """Send an activity and return the bot's response."""
        return self.client.send(activity)

    def add_bot_to_team(self, installer: TeamsUser, channel: TeamsChannel) -> None:
        """Send the conversationUpdate of the bot joining a channel's team."""
        result = self.send(act.bot_added_to_team(installer, channel, service_url=self.service_url))
        assert result.status == 200, result

    def say(
        self,
        user: TeamsUser,
        text: str,
        *,
        channel: TeamsChannel | None = None,
        root: str | None = None,
    ) -> TeamsResult:
        """Send a message from a user: to the bot, in a channel, or as a reply to root."""
        return self.send(
            act.message(user, text, service_url=self.service_url, channel=channel, root=root)
        )

    def press(
        self,
        user: TeamsUser,
        verb: str,
        data: dict[str, Any],
        *,
        channel: TeamsChannel | None = None,
        activity_id: str | None = None,
    ) -> TeamsResult:
        """Press an Action.Execute button (or submit a form) as a user."""
        return self.send(
            act.card_action(
                user,
                verb,
                data,
                service_url=self.service_url,
                channel=channel,
                activity_id=activity_id,
            )
        )

    def react(
        self,
        user: TeamsUser,
        channel: TeamsChannel,
        message_id: str,
        *,
        added: bool = True,
        activity_id: str | None = None,
    ) -> TeamsResult:
        """Add or remove a like on a message."""
        return self.send(
            act.reaction(
                user,
                channel,
                message_id,
                service_url=self.service_url,
                added=added,
                activity_id=activity_id,
            )
        )

    def personal_cards(self, user: TeamsUser) -> list[dict[str, Any]]:
        """Return the cards the bot sent to a user's personal chat, oldest first."""
        conversation = act.personal(user)["id"]
        return [
            attachment["content"]
            for activity in self.standin.activities(conversation)
            for attachment in activity.get("attachments") or []
        ]

    def personal_texts(self, user: TeamsUser) -> list[str]:
        """Return the texts the bot sent to a user's personal chat, oldest first."""
        conversation = act.personal(user)["id"]
        return [a["text"] for a in self.standin.activities(conversation) if a.get("text")]

    def close(self) -> None:
        """Close the client's connection."""
        self.client.close()


def open_teams_campaign(
    bot: LocalBot,
    channel: TeamsChannel,
    *,
    title: str = "Winter ideas",
    topics: tuple[str, ...] = (),
) -> CampaignRecord:
    """Create a Teams campaign starting now and wait for the scheduler to open it."""
    assert bot.process is not None
    db = bot.process.db
    record = create_campaign(
        db,
        title=title,
        channel_id=channel.channel_id,
        platform="teams",
        starts="now",
        topics=topics,
        timezone=bot.process.settings.timezone,
        now=bot.process.clock.now(),
    )
    bot.process.scheduler.sync()

    def launched() -> bool:
        with db.read() as session:
            campaign = session.get(Campaign, record.id)
            return campaign is not None and campaign.launch_message_id is not None

    wait_until(launched, what=f"campaign {record.id} to open and post its launch card")
    return record


def texts_of(card: dict[str, Any]) -> str:
    """Return every text shown in a card's body, joined, for assertions on what it says."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "label", "placeholder", "value"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card.get("body", []))
    walk(card.get("actions", []))
    return " | ".join(found)
