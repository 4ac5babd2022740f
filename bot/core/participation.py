"""Snapshots of who took part: each person's groups at their first contribution.

A named idea, a comment or a vote in a campaign or on a board stores the
person's directorate, band, staff group and locality as the staff list has
them at that moment, once per campaign or board. Reports read these
snapshots, so a later move between teams leaves past reports as they were.
An anonymous idea stores no snapshot, because one would reveal who posted it.
It only adds to a per-group count, and only for groups large enough to hide
in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core.participation_records import (
    DIMENSIONS,
    NOT_IN_DIRECTORY,
    NOT_RECORDED,
    OTHER_GROUPS,
)
from bot.core.records import Person
from storage import participation as participation_store

logger = logging.getLogger(__name__)

# Groups with fewer people than this are never named in a report, so no one
# can be singled out; STAFFVOICE_MIN_GROUP_SIZE sets it.
DEFAULT_MIN_GROUP_SIZE = 11


def scope_of(*, campaign_id: int | None, board_id: int | None) -> str | None:
    """Return the scope key of a campaign or board, or None for the standing ideas list."""
    if campaign_id is not None:
        return participation_store.campaign_scope(campaign_id)
    if board_id is not None:
        return participation_store.board_scope(board_id)
    return None


def record_contribution(
    session: Session,
    person: Person,
    *,
    campaign_id: int | None,
    board_id: int | None,
    now: datetime,
) -> None:
    """Snapshot a person's groups in the caller's transaction, if this is their first time.

    Called for a named idea, a comment and a vote; it does nothing in the
    standing ideas list, which has no campaign or board.
    """
    scope = scope_of(campaign_id=campaign_id, board_id=board_id)
    if scope is None:
        return
    participation_store.add_participant(
        session,
        scope=scope,
        campaign_id=campaign_id,
        board_id=board_id,
        platform=person.platform,
        team_id=person.team_id,
        user_id=person.user_id,
        now=now,
    )


def record_anonymous_idea(
    session: Session,
    author: Person,
    *,
    campaign_id: int | None,
    board_id: int | None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> None:
    """Count an anonymous idea by the author's groups, without storing who the author is.

    Each dimension's count goes to the author's group when the staff list has
    at least min_group_size people in it now, else to "Other groups", and to
    "Not in directory" for an author who is not on the list.
    """
    scope = scope_of(campaign_id=campaign_id, board_id=board_id)
    if scope is None:
        return
    for dimension, group_name in _anonymous_groups(session, author, min_group_size).items():
        participation_store.add_anonymous_contribution(
            session, scope=scope, dimension=dimension, group_name=group_name
        )


def forget_anonymous_idea(
    session: Session,
    author: Person,
    *,
    campaign_id: int | None,
    board_id: int | None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> None:
    """Take a withdrawn anonymous idea off the author's group counts, never below zero.

    The groups are worked out again as record_anonymous_idea does. After a move
    between teams, that can be another group than the one the idea was counted in.
    """
    scope = scope_of(campaign_id=campaign_id, board_id=board_id)
    if scope is None:
        return
    for dimension, group_name in _anonymous_groups(session, author, min_group_size).items():
        participation_store.remove_anonymous_contribution(
            session, scope=scope, dimension=dimension, group_name=group_name
        )


def _anonymous_groups(session: Session, author: Person, min_group_size: int) -> dict[str, str]:
    """Return the group each dimension counts an anonymous idea of the author under."""
    staff = participation_store.get_current_staff(
        session, platform=author.platform, user_id=author.user_id
    )
    if staff is None:
        return dict.fromkeys(DIMENSIONS, NOT_IN_DIRECTORY)
    groups: dict[str, str | None] = {
        dimension: getattr(staff, dimension) for dimension in DIMENSIONS
    }
    headcounts = participation_store.count_group_members(session, groups)
    names: dict[str, str] = {}
    for dimension, value in groups.items():
        if headcounts[dimension] < min_group_size:
            names[dimension] = OTHER_GROUPS
        else:
            names[dimension] = value if value is not None else NOT_RECORDED
    return names


def record_offline_idea(
    session: Session,
    *,
    idea_id: int,
    campaign_id: int | None,
    board_id: int | None,
    groups: Mapping[str, str | None],
    now: datetime,
) -> bool:
    """Count the contributor of an idea entered from paper or email as a participant.

    groups maps dimension names ("directorate", "band", "staff_group",
    "locality") to the values given with the idea; unknown keys are ignored.
    The row has platform and team "offline" and user "idea-{idea_id}", and
    is not in the directory when no group is given. Returns whether a row
    was added, False for a repeat or for an idea with no campaign or board.
    """
    scope = scope_of(campaign_id=campaign_id, board_id=board_id)
    if scope is None:
        return False
    added = participation_store.add_offline_participant(
        session,
        scope=scope,
        campaign_id=campaign_id,
        board_id=board_id,
        idea_id=idea_id,
        groups={dimension: groups.get(dimension) for dimension in DIMENSIONS},
        now=now,
    )
    if added:
        logger.debug("Recorded the offline contributor of idea %s in %s", idea_id, scope)
    return added
