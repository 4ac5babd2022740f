"""Direct messages about an idea's new status, built as outbox messages without calling Slack."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.outbox import OutboundMessage
from bot.core.statuses import StatusChange
from handlers.blocks.statuses import status_notice


def status_outbox_messages(
    change: StatusChange, *, dedupe_keys: Mapping[str, str]
) -> list[OutboundMessage]:
    """Build one direct message per recipient user id in dedupe_keys about a status change."""
    messages = []
    for user_id, dedupe_key in dedupe_keys.items():
        text, blocks = status_notice(change, recipient=user_id)
        messages.append(
            OutboundMessage(
                platform=change.platform,
                recipient=user_id,
                text=text,
                dedupe_key=dedupe_key,
                blocks=blocks,
            )
        )
    return messages


class OfflineStatusNotifier:
    """A StatusNotifier for a process without a Slack client, such as the command line.

    Its messages carry no link to the idea's message, because a link needs
    chat.getPermalink. The running bot's outbox worker sends them.
    """

    def idea_link(self, *, channel_id: str, message_id: str) -> str | None:
        """Return None: without a Slack client there is no permalink."""
        return None

    def status_messages(
        self, change: StatusChange, *, dedupe_keys: Mapping[str, str]
    ) -> list[OutboundMessage]:
        """Build the direct messages about a status change, as the running bot builds them."""
        return status_outbox_messages(change, dedupe_keys=dedupe_keys)
