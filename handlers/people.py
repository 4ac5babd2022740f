"""Display names of Slack users, looked up with users.info and cached."""

from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

# Names change rarely; an hour keeps users.info calls well under its rate limit.
CACHE_SECONDS = 3600


class DisplayNames:
    """A cache of the names Slack shows for each user."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str, *, fallback: str | None = None) -> str | None:
        """Return the user's display name, else real name, else fallback when Slack has none."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        try:
            response = self._client.users_info(user=user_id)
        except SlackApiError as error:
            logger.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return fallback
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
        name = name or user.get("name") or fallback
        if name:
            with self._lock:
                self._cache[user_id] = (now, name)
        return name
