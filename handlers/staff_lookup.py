"""Finding a member of staff's Slack account by email with users.lookupByEmail."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import RateLimited
from bot.core.staff_matching import LookupFailed, LookupResult
from handlers.outbox_sender import retry_after_seconds
from handlers.pacing import Pacer
from handlers.platform import PLATFORM

logger = logging.getLogger(__name__)

# users.lookupByEmail is a Tier 3 method: Slack publishes "50+ per minute".
LOOKUPS_PER_MINUTE = 50


class SlackEmailLookup:
    """Looks up Slack accounts by email, paced at LOOKUPS_PER_MINUTE.

    The client must not retry 429 responses itself, so that the caller sees
    RateLimited and waits out Retry-After.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        per_minute: float = LOOKUPS_PER_MINUTE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._pacer = Pacer(per_second=per_minute / 60, sleep=sleep)

    @classmethod
    def create(cls, *, token: str, base_url: str) -> SlackEmailLookup:
        """Build a lookup with its own WebClient, which retries connection errors only."""
        return cls(WebClient(token=token, base_url=base_url))

    @property
    def platform(self) -> str:
        """Return "slack"."""
        return PLATFORM

    def lookup(self, email: str) -> LookupResult:
        """Return the Slack account of an email; deleted and bot accounts count as none."""
        self._pacer.wait()
        try:
            response = self._client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            if error.response.status_code == 429:
                raise RateLimited(retry_after_seconds(dict(error.response.headers))) from None
            reason = error.response.get("error")
            if reason == "users_not_found":
                return LookupResult(user_id=None, reason="not_found")
            logger.warning("users.lookupByEmail failed: %s", reason)
            raise LookupFailed(
                f"users.lookupByEmail failed with {reason!r}. Check that the app has "
                "the users:read.email scope and SLACK_BOT_TOKEN is its bot token."
            ) from None
        user = response.get("user") or {}
        if user.get("deleted"):
            return LookupResult(user_id=None, reason="deleted")
        if user.get("is_bot") or user.get("is_app_user"):
            return LookupResult(user_id=None, reason="bot")
        return LookupResult(user_id=str(user["id"]))
