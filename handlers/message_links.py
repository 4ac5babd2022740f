"""Links to many of the bot's messages from one chat.getPermalink call.

Slack's permalink of a message has the form
https://WORKSPACE.slack.com/archives/CHANNEL/pTS, where TS is the message's
ts without its dot (as chat.getPermalink returns it). The first permalink
gives the workspace's archive address, and the links of further messages are
built from it, so a list of 40 ideas costs one Web API call instead of 40.
A permalink of another form is used as Slack gave it, and each further
message then gets its own call.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence

logger = logging.getLogger(__name__)

_PERMALINK = re.compile(r"^(https://[^/?#]+/archives/)([A-Z0-9]+)/p(\d+)$")


def archive_base(permalink: str, *, channel_id: str, message_id: str) -> str | None:
    """Return the archive address a permalink starts with, or None when its form is unexpected."""
    match = _PERMALINK.match(permalink)
    if match is None:
        return None
    base, channel, digits = match.groups()
    if channel != channel_id or digits != message_id.replace(".", ""):
        return None
    return base


class MessageLinks:
    """Builds message links from the first permalink Slack gives, kept for the process.

    NOTE: a workspace whose Slack address changes while the bot runs gets
    links under the old address until the process restarts.
    """

    def __init__(self, permalink: Callable[..., str | None]) -> None:
        # permalink(channel=..., message_id=...) calls chat.getPermalink.
        self._permalink = permalink
        self._lock = threading.Lock()
        self._base: str | None = None

    def links(self, messages: Sequence[tuple[int, str, str]]) -> dict[int, str]:
        """Return a link per (key, channel id, message ts), by key. A failed lookup has none."""
        result: dict[int, str] = {}
        for key, channel_id, message_id in messages:
            link = self._link(channel_id, message_id)
            if link is not None:
                result[key] = link
        return result

    def _link(self, channel_id: str, message_id: str) -> str | None:
        with self._lock:
            base = self._base
        if base is not None and re.fullmatch(r"\d+\.\d+", message_id):
            return f"{base}{channel_id}/p{message_id.replace('.', '')}"
        link = self._permalink(channel=channel_id, message_id=message_id)
        if link is None:
            return None
        found = archive_base(link, channel_id=channel_id, message_id=message_id)
        if found is not None:
            with self._lock:
                self._base = found
        else:
            logger.info("chat.getPermalink gave a link of an unexpected form for %s", channel_id)
        return link
