"""The number of people in the Slack workspace, counted with users.list under its rate limit.

users.list is in Slack's Tier 2: at least 20 requests a minute, with occasional bursts
(https://docs.slack.dev/apis/web-api/rate-limits). A page holds up to 200 members, so a
workspace of 3,000 people takes 15 calls, within one burst, while one of 100,000 takes
500 calls, paced over about 25 minutes. The count is kept for STAFF_COUNT_MAX_AGE_SECONDS,
so the digests of several campaigns on one morning share one count.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.pacing import Pacer

logger = logging.getLogger(__name__)

# users.list returns at most this many members a page.
USERS_PAGE_SIZE = 200
SLACKBOT_USER_ID = "USLACKBOT"
# Slack's Tier 2 minimum, and a burst of as many calls.
USERS_LIST_PER_MINUTE = 20
STAFF_COUNT_MAX_AGE_SECONDS = 6 * 3600.0


def is_person(member: Mapping[str, object]) -> bool:
    """Return whether a users.list member is a person: not a bot, not deactivated, not Slackbot."""
    return not (
        member.get("is_bot") or member.get("deleted") or member.get("id") == SLACKBOT_USER_ID
    )


class StaffCounter:
    """Counts the workspace's people, paced under users.list's limit and kept for a while."""

    def __init__(
        self,
        client: WebClient,
        *,
        max_age_seconds: float = STAFF_COUNT_MAX_AGE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._max_age = max_age_seconds
        self._monotonic = monotonic
        self._pacer = Pacer(
            per_second=USERS_LIST_PER_MINUTE / 60,
            burst=USERS_LIST_PER_MINUTE,
            monotonic=monotonic,
            sleep=sleep,
        )
        # One count at a time, so two digests at once make one set of calls.
        self._lock = threading.Lock()
        self._counted: tuple[float, int] | None = None

    def count(self) -> int | None:
        """Return the number of people, from the kept count while it is fresh, else counted anew.

        Bots, deactivated accounts and Slackbot (USLACKBOT, which Slack does not
        mark as a bot) are left out. Returns None when a call fails, and keeps no
        count then. Needs the users:read scope.
        """
        with self._lock:
            if self._counted is not None:
                counted_at, kept = self._counted
                if self._monotonic() - counted_at < self._max_age:
                    return kept
            counted = self._count_pages()
            if counted is not None:
                self._counted = (self._monotonic(), counted)
            return counted

    def _count_pages(self) -> int | None:
        count = 0
        cursor: str | None = None
        pages = 0
        try:
            while True:
                self._pacer.wait()
                response = self._client.users_list(limit=USERS_PAGE_SIZE, cursor=cursor)
                pages += 1
                count += sum(1 for member in response.get("members") or [] if is_person(member))
                metadata = response.get("response_metadata") or {}
                cursor = metadata.get("next_cursor") or None
                if cursor is None:
                    break
        except SlackApiError as error:
            logger.warning(
                "users.list failed on page %s: %s", pages + 1, error.response.get("error")
            )
            return None
        except OSError as error:
            logger.warning("users.list failed on page %s: %s", pages + 1, error)
            return None
        logger.info("Counted %s people in the workspace over %s users.list pages", count, pages)
        return count
