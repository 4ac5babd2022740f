"""Storage functions that anonymise one campaign's contributions after the retention period."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, union, update
from sqlalchemy.orm import Session

from storage.models import (
    Campaign,
    CampaignInterest,
    ClosedVoteNotice,
    Comment,
    HeldPost,
    Idea,
    ModerationItem,
    ParticipantGroup,
    RelayMessage,
    Vote,
)

# Replaces the author's name of a named idea; the idea still counts as named.
REMOVED_AUTHOR_NAME = "Name removed"
PSEUDONYM_PREFIX = "anon-"
# Ideas entered from paper or email have a made-up user id, not a person's.
OFFLINE_PLATFORM = "offline"


def due_campaign_ids(session: Session, *, closed_before: datetime) -> list[int]:
    """Return closed campaigns not yet anonymised that closed before closed_before."""
    query = (
        select(Campaign.id)
        .where(
            Campaign.status == "closed",
            Campaign.closed_at < closed_before,
            Campaign.anonymised_at.is_(None),
        )
        .order_by(Campaign.id)
    )
    return list(session.scalars(query))


def claim_campaign(session: Session, campaign_id: int, *, now: datetime) -> bool:
    """Mark the campaign anonymised, returning False when another process did it first."""
    result: Any = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.anonymised_at.is_(None))
        .values(anonymised_at=now)
    )
    return bool(result.rowcount)


def anonymise_campaign(session: Session, campaign_id: int) -> dict[str, int]:
    """Replace each contributor's user id with a pseudonym of this campaign, and drop the rest.

    One person gets the same random pseudonym in every table of the campaign, so
    counts of distinct people stay true, and a different one in each campaign,
    so campaigns cannot be linked. Returns the rows changed per table.
    """
    idea_ids = select(Idea.id).where(Idea.campaign_id == campaign_id)
    comment_ids = select(Comment.id).where(Comment.idea_id.in_(idea_ids))
    people: Any = union(
        select(Idea.platform, Idea.team_id, Idea.author_id.label("user_id")).where(
            Idea.campaign_id == campaign_id, Idea.author_id.is_not(None)
        ),
        select(Comment.platform, Comment.team_id, Comment.user_id).where(
            Comment.idea_id.in_(idea_ids), Comment.user_id.is_not(None)
        ),
        select(Vote.platform, Vote.team_id, Vote.user_id).where(Vote.idea_id.in_(idea_ids)),
        select(ParticipantGroup.platform, ParticipantGroup.team_id, ParticipantGroup.user_id).where(
            ParticipantGroup.campaign_id == campaign_id,
            ParticipantGroup.platform != OFFLINE_PLATFORM,
        ),
    )
    counts = {"people": 0, "ideas": 0, "comments": 0, "votes": 0, "participant_groups": 0}
    for platform, team_id, user_id in session.execute(select(people.subquery())).all():
        if user_id.startswith(("erased-", PSEUDONYM_PREFIX)):
            continue
        pseudonym = PSEUDONYM_PREFIX + secrets.token_hex(8)
        counts["people"] += 1
        counts["ideas"] += _count(
            session.execute(
                update(Idea)
                .where(
                    Idea.campaign_id == campaign_id,
                    Idea.platform == platform,
                    Idea.team_id == team_id,
                    Idea.author_id == user_id,
                )
                # An unknown shown count makes a running bot redraw the message without
                # the name.
                .values(author_id=pseudonym, author_name=REMOVED_AUTHOR_NAME, shown_vote_count=None)
            )
        )
        counts["comments"] += _count(
            session.execute(
                update(Comment)
                .where(
                    Comment.idea_id.in_(idea_ids),
                    Comment.platform == platform,
                    Comment.team_id == team_id,
                    Comment.user_id == user_id,
                )
                .values(user_id=pseudonym)
            )
        )
        counts["votes"] += _count(
            session.execute(
                update(Vote)
                .where(
                    Vote.idea_id.in_(idea_ids),
                    Vote.platform == platform,
                    Vote.team_id == team_id,
                    Vote.user_id == user_id,
                )
                .values(user_id=pseudonym)
            )
        )
        counts["participant_groups"] += _count(
            session.execute(
                update(ParticipantGroup)
                .where(
                    ParticipantGroup.campaign_id == campaign_id,
                    ParticipantGroup.platform == platform,
                    ParticipantGroup.team_id == team_id,
                    ParticipantGroup.user_id == user_id,
                )
                .values(user_id=pseudonym)
            )
        )
    # Without the keyed hashes, not even a holder of STAFFVOICE_ANON_KEY can find
    # the authors of the campaign's anonymous posts or who reported them.
    counts["anonymous_hashes"] = _count(
        session.execute(
            update(Idea)
            .where(Idea.campaign_id == campaign_id, Idea.author_hash.is_not(None))
            .values(author_hash=None)
        )
    ) + _count(
        session.execute(
            update(Comment)
            .where(Comment.idea_id.in_(idea_ids), Comment.author_hash.is_not(None))
            .values(author_hash=None)
        )
    )
    in_campaign = ((ModerationItem.item_kind == "idea") & ModerationItem.item_id.in_(idea_ids)) | (
        (ModerationItem.item_kind == "comment") & ModerationItem.item_id.in_(comment_ids)
    )
    counts["reporter_hashes"] = _count(
        session.execute(
            update(ModerationItem)
            .where(in_campaign, ModerationItem.reporter_hash.is_not(None))
            .values(reporter_hash=None)
        )
    )
    relayed = ((RelayMessage.item_kind == "idea") & RelayMessage.item_id.in_(idea_ids)) | (
        (RelayMessage.item_kind == "comment") & RelayMessage.item_id.in_(comment_ids)
    )
    counts["relay_messages_deleted"] = _count(session.execute(delete(RelayMessage).where(relayed)))
    counts["interest_deleted"] = _count(
        session.execute(delete(CampaignInterest).where(CampaignInterest.campaign_id == campaign_id))
    ) + _count(
        session.execute(delete(ClosedVoteNotice).where(ClosedVoteNotice.campaign_id == campaign_id))
    )
    return counts


def delete_expired_held_posts(session: Session, *, expired_before: datetime) -> int:
    """Delete drafts held back by a check that expired before expired_before; return how many."""
    return _count(session.execute(delete(HeldPost).where(HeldPost.expires_at < expired_before)))


def _count(result: Any) -> int:
    return int(result.rowcount)
