"""The number of people in the Slack workspace, counted from the members users.list gives.

The count is kept for STAFF_COUNT_MAX_AGE_SECONDS, so the digests of several
campaigns on one morning share one listing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk import WebClient

from handlers.members import USERS_PAGE_SIZE, WorkspaceMembers

__all__ = ["STAFF_COUNT_MAX_AGE_SECONDS", "USERS_PAGE_SIZE", "StaffCounter"]

STAFF_COUNT_MAX_AGE_SECONDS = 6 * 3600.0


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
        self._members = WorkspaceMembers(
            client, max_age_seconds=max_age_seconds, monotonic=monotonic, sleep=sleep
        )

    def count(self) -> int | None:
        """Return the number of people, from the kept list while it is fresh, else listed anew.

        Bots, deactivated accounts and Slackbot are left out. Returns None when
        a call fails, and keeps nothing then. Needs the users:read scope.
        """
        people = self._members.people_or_none()
        return None if people is None else len(people)
