"""Display names of Slack users, looked up with users.info and cached."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

logger = logging.getLogger(__name__)

# Names change rarely; an hour keeps users.info calls well under its rate limit.
CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Account:
    """An account as users.info reports it: its name, and whether it is a bot or deactivated."""

    name: str | None
    is_bot: bool
    deleted: bool


class DisplayNames:
    """A cache of the names Slack shows for each user, and whether each account is a bot."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._cache: dict[str, tuple[float, Account]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: str, *, fallback: str | None = None) -> str | None:
        """Return the user's display name, else real name, else fallback when Slack has none."""
        account = self.account(user_id)
        if account is None or not account.name:
            return fallback
        return account.name

    def account(self, user_id: str, *, max_age: float = CACHE_SECONDS) -> Account | None:
        """Return the user's account as users.info reports it, or None when the lookup fails.

        A cached account older than max_age seconds is looked up again.
        """
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(user_id)
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        try:
            response = self._client.users_info(user=user_id)
        except SlackApiError as error:
            logger.warning("users.info failed for %s: %s", user_id, error.response.get("error"))
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("real_name")
        account = Account(
            name=name or user.get("name") or None,
            is_bot=bool(user.get("is_bot")),
            deleted=bool(user.get("deleted")),
        )
        with self._lock:
            self._cache[user_id] = (now, account)
        return account

    def forget(self, user_id: str) -> None:
        """Drop the user's cached account, so the next lookup asks Slack again."""
        with self._lock:
            self._cache.pop(user_id, None)
