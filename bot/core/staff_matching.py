"""Matching the staff list to chat accounts by email, one lookup at a time, resumably.

Each outcome is committed as soon as it is known, so a run that stops or is
killed leaves the rows it did not reach in match_state "pending", and the
next run continues with them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.core.clock import Clock
from bot.core.errors import RateLimited, StaffvoiceError
from storage import staff as store
from storage.database import Database

logger = logging.getLogger(__name__)

# Pending rows read per query.
PAGE_SIZE = 100
# Progress is reported every this many lookups.
PROGRESS_EVERY = 25
# Consecutive rate-limit responses for one email after which the run stops.
MAX_RATE_LIMITED = 5


class LookupFailed(StaffvoiceError):
    """A lookup failed for a reason no retry fixes, such as a missing scope."""

    code = "lookup_failed"


@dataclass(frozen=True)
class LookupResult:
    """The account an email belongs to, or None when there is none that can take part.

    `reason` is why there is no account: "not_found", "deleted" or "bot".
    """

    user_id: str | None
    reason: str | None = None


class EmailLookup(Protocol):
    """Finds a person's chat account by their email address."""

    @property
    def platform(self) -> str:
        """Return the platform name stored with a match, such as "slack"."""
        ...

    def lookup(self, email: str) -> LookupResult:
        """Return the account of an email, pacing calls under the platform's rate limit.

        Raises RateLimited on a rate-limit response with its Retry-After,
        and LookupFailed for any other error.
        """
        ...


@dataclass(frozen=True)
class MatchResult:
    """The outcome of one matching run."""

    looked_up: int
    matched: int
    not_found: int
    # Current staff still waiting for a lookup after the run.
    pending: int
    # Why the run stopped before the pending rows were done, or None.
    stopped_reason: str | None = None


def match_pending(
    db: Database,
    lookup: EmailLookup,
    *,
    clock: Clock,
    limit: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_progress: Callable[[int, int], None] | None = None,
) -> MatchResult:
    """Look up every current member of staff in match_state "pending", in id order.

    A found account sets "matched"; no account, or a deleted or bot account,
    sets "not_found". A rate-limit response waits its Retry-After and tries the
    same email again. limit caps the lookups of this run. on_progress gets the
    lookups done and matched so far.
    """
    looked_up = matched = not_found = 0
    stopped: str | None = None
    after_id = 0
    while stopped is None and (limit is None or looked_up < limit):
        with db.transaction() as session:
            page = store.list_pending_matches(session, after_id=after_id, limit=PAGE_SIZE)
        if not page:
            break
        for staff_id, email in page:
            if limit is not None and looked_up >= limit:
                break
            try:
                found = _lookup_with_retries(lookup, email, sleep=sleep)
            except LookupFailed as error:
                stopped = error.user_message
                break
            except RateLimited as error:
                stopped = (
                    f"the chat platform kept rate-limiting the lookups (last wait asked: "
                    f"{error.retry_after_seconds:g} s); run the command again later"
                )
                break
            state = "matched" if found.user_id else "not_found"
            with db.transaction() as session:
                store.record_match(
                    session,
                    staff_id,
                    state=state,
                    platform=lookup.platform if found.user_id else None,
                    user_id=found.user_id,
                    now=clock.now(),
                )
            looked_up += 1
            matched += int(found.user_id is not None)
            not_found += int(found.user_id is None)
            after_id = staff_id
            if on_progress is not None and looked_up % PROGRESS_EVERY == 0:
                on_progress(looked_up, matched)
    with db.transaction() as session:
        pending = store.match_counts(session).get("pending", 0)
    logger.info(
        "Staff matching looked up %d: %d matched, %d not found, %d pending",
        looked_up,
        matched,
        not_found,
        pending,
    )
    return MatchResult(
        looked_up=looked_up,
        matched=matched,
        not_found=not_found,
        pending=pending,
        stopped_reason=stopped,
    )


def _lookup_with_retries(
    lookup: EmailLookup, email: str, *, sleep: Callable[[float], None]
) -> LookupResult:
    for attempt in range(1, MAX_RATE_LIMITED + 1):
        try:
            return lookup.lookup(email)
        except RateLimited as error:
            if attempt == MAX_RATE_LIMITED:
                raise
            logger.warning(
                "Email lookup rate-limited; waiting %s s (attempt %d)",
                error.retry_after_seconds,
                attempt,
            )
            sleep(error.retry_after_seconds)
    raise AssertionError("unreachable")
