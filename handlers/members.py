"""The workspace's people as listed by users.list, paced under its rate limit and kept a while.

A relayed message to the author of an anonymous post hashes every member to
find the one whose hash the post stores, and the digests count the members, so
the list is fetched once and kept. users.list is in Slack's Tier 2: at least 20
requests a minute, with occasional bursts
(https://docs.slack.dev/apis/web-api/rate-limits). A page holds up to 200
members, so a workspace of 3,000 people takes 15 calls, within one burst, while
one of 100,000 takes 500 calls, paced over about 25 minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.records import Person
from handlers.pacing import Pacer
from handlers.platform import PLATFORM

logger = logging.getLogger(__name__)

# users.list returns at most this many members a page.
USERS_PAGE_SIZE = 200
SLACKBOT_USER_ID = "USLACKBOT"
# Slack's Tier 2 minimum, and a burst of as many calls.
USERS_LIST_PER_MINUTE = 20


def is_person(member: Mapping[str, object]) -> bool:
    """Return whether a users.list member is a person: not a bot, not deactivated, not Slackbot."""
    return not (
        member.get("is_bot") or member.get("deleted") or member.get("id") == SLACKBOT_USER_ID
    )


MEMBERS_MAX_AGE_SECONDS = 300.0


class WorkspaceMembers:
    """Lists the workspace's people, kept for a few minutes after each fetch."""

    def __init__(
        self,
        client: WebClient,
        *,
        max_age_seconds: float = MEMBERS_MAX_AGE_SECONDS,
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
        self._lock = threading.Lock()
        self._kept: tuple[float, list[Person]] | None = None

    def people(self) -> list[Person]:
        """Return the workspace's people, fetched anew when the kept list is older than max age.

        Returns an empty list when users.list fails, so no author is found then.
        """
        return self.people_or_none() or []

    def people_or_none(self) -> list[Person] | None:
        """Return the workspace's people as people() does, or None when users.list fails.

        Bots, deactivated accounts and Slackbot (USLACKBOT, which Slack does not
        mark as a bot) are left out. A failed fetch keeps nothing. Needs the
        users:read scope.
        """
        with self._lock:
            if self._kept is not None and self._monotonic() - self._kept[0] < self._max_age:
                return self._kept[1]
            people = self._fetch()
            if people is not None:
                self._kept = (self._monotonic(), people)
            return people

    def _fetch(self) -> list[Person] | None:
        people: list[Person] = []
        cursor: str | None = None
        try:
            while True:
                self._pacer.wait()
                response = self._client.users_list(limit=USERS_PAGE_SIZE, cursor=cursor)
                for member in response.get("members") or []:
                    if is_person(member):
                        team_id = str(member.get("team_id") or "")
                        people.append(Person(PLATFORM, team_id, str(member["id"])))
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None:
                    break
        except (SlackApiError, OSError) as error:
            logger.warning("users.list failed while listing members: %s", type(error).__name__)
            return None
        logger.info("Listed %s workspace members", len(people))
        return people
