"""Storage functions for thank-you cards, their recipients and recognition settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, or_, select, update
from sqlalchemy.orm import Session

from storage.models import RecognitionSettings, Thanks, ThanksRecipient
from storage.upsert import insert_if_absent


def get_settings(
    session: Session, *, platform: str, team_id: str, for_update: bool = False
) -> RecognitionSettings | None:
    """Return a workspace's recognition settings, locking the row when for_update is set."""
    query = select(RecognitionSettings).where(
        RecognitionSettings.platform == platform, RecognitionSettings.team_id == team_id
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).first()


def list_settings(session: Session) -> list[RecognitionSettings]:
    """Return the recognition settings of every workspace."""
    query = select(RecognitionSettings).order_by(
        RecognitionSettings.platform, RecognitionSettings.team_id
    )
    return list(session.scalars(query))


def save_settings(
    session: Session,
    *,
    platform: str,
    team_id: str,
    updated_by: str,
    now: datetime,
    channel_id: str | None = None,
    values_text: str | None = None,
    set_channel: bool = False,
    set_values: bool = False,
) -> RecognitionSettings:
    """Create a workspace's settings row if missing, then set the fields flagged, and return it."""
    insert_if_absent(
        session,
        RecognitionSettings,
        platform=platform,
        team_id=team_id,
        updated_by=updated_by,
        updated_at=now,
    )
    settings = get_settings(session, platform=platform, team_id=team_id, for_update=True)
    assert settings is not None, "the settings row was inserted above"
    if set_channel:
        settings.channel_id = channel_id
    if set_values:
        settings.values_text = values_text
    settings.updated_by = updated_by
    settings.updated_at = now
    session.flush()
    return settings


def add_thanks(
    session: Session,
    *,
    platform: str,
    team_id: str,
    giver_id: str,
    message: str,
    values_text: str | None,
    channel_id: str,
    now: datetime,
) -> Thanks:
    """Add a thank-you card without recipients and return it with its id."""
    thanks = Thanks(
        platform=platform,
        team_id=team_id,
        giver_id=giver_id,
        message=message,
        values_text=values_text,
        created_at=now,
        channel_id=channel_id,
    )
    session.add(thanks)
    session.flush()
    return thanks


def add_recipient(
    session: Session, *, thanks_id: int, user_id: str, directorate: str | None
) -> bool:
    """Add a colleague to a card; return False when they are on it already."""
    return insert_if_absent(
        session, ThanksRecipient, thanks_id=thanks_id, user_id=user_id, directorate=directorate
    )


def get_thanks(session: Session, thanks_id: int) -> Thanks | None:
    """Return the card with this id, or None."""
    return session.get(Thanks, thanks_id)


def recipient_ids(session: Session, thanks_id: int) -> list[str]:
    """Return the user ids thanked on a card, sorted, because rows keep no order of adding."""
    query = (
        select(ThanksRecipient.user_id)
        .where(ThanksRecipient.thanks_id == thanks_id)
        .order_by(ThanksRecipient.user_id)
    )
    return list(session.scalars(query))


def recent_thanks_by(
    session: Session, *, platform: str, team_id: str, giver_id: str, since: datetime
) -> list[Thanks]:
    """Return the cards a person gave at or after since, newest first."""
    query = (
        select(Thanks)
        .where(
            Thanks.platform == platform,
            Thanks.team_id == team_id,
            Thanks.giver_id == giver_id,
            Thanks.created_at >= since,
        )
        .order_by(Thanks.created_at.desc(), Thanks.id.desc())
    )
    return list(session.scalars(query))


def claim_card_post(
    session: Session, thanks_id: int, *, now: datetime, retry_after: timedelta
) -> bool:
    """Claim the right to post a card, unless it is posted or was claimed recently."""
    result = session.execute(
        update(Thanks)
        .where(
            Thanks.id == thanks_id,
            Thanks.message_id.is_(None),
            or_(Thanks.post_claimed_at.is_(None), Thanks.post_claimed_at < now - retry_after),
        )
        .values(post_claimed_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_card_message(session: Session, thanks_id: int, *, message_id: str) -> None:
    """Record the chat message that shows a card."""
    session.execute(update(Thanks).where(Thanks.id == thanks_id).values(message_id=message_id))


def list_unposted(
    session: Session, *, created_after: datetime, claimed_before: datetime, limit: int
) -> list[int]:
    """Return ids of unposted cards created after created_after, unclaimed since claimed_before."""
    query = (
        select(Thanks.id)
        .where(
            Thanks.message_id.is_(None),
            Thanks.created_at > created_after,
            or_(Thanks.post_claimed_at.is_(None), Thanks.post_claimed_at < claimed_before),
        )
        .order_by(Thanks.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_given(session: Session, *, platform: str, team_id: str, user_id: str) -> int:
    """Return how many cards a person gave."""
    query = select(func.count()).where(
        Thanks.platform == platform, Thanks.team_id == team_id, Thanks.giver_id == user_id
    )
    return int(session.scalar(query) or 0)


def count_received(session: Session, *, platform: str, team_id: str, user_id: str) -> int:
    """Return how many cards thanked a person."""
    query = (
        select(func.count())
        .select_from(ThanksRecipient)
        .join(Thanks, Thanks.id == ThanksRecipient.thanks_id)
        .where(
            Thanks.platform == platform,
            Thanks.team_id == team_id,
            ThanksRecipient.user_id == user_id,
        )
    )
    return int(session.scalar(query) or 0)


def latest_received(
    session: Session, *, platform: str, team_id: str, user_id: str, limit: int
) -> list[Thanks]:
    """Return the latest cards that thanked a person, newest first."""
    query = (
        select(Thanks)
        .join(ThanksRecipient, ThanksRecipient.thanks_id == Thanks.id)
        .where(
            Thanks.platform == platform,
            Thanks.team_id == team_id,
            ThanksRecipient.user_id == user_id,
        )
        .order_by(Thanks.created_at.desc(), Thanks.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def thanks_in_period(
    session: Session, *, platform: str, team_id: str, starts_at: datetime, ends_at: datetime
) -> list[tuple[int, str | None]]:
    """Return (id, values_text) of the cards given from starts_at up to, not including, ends_at."""
    query = (
        select(Thanks.id, Thanks.values_text)
        .where(
            Thanks.platform == platform,
            Thanks.team_id == team_id,
            Thanks.created_at >= starts_at,
            Thanks.created_at < ends_at,
        )
        .order_by(Thanks.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def recipients_in_period(
    session: Session, *, platform: str, team_id: str, starts_at: datetime, ends_at: datetime
) -> int:
    """Return how many different colleagues the cards of a period thanked."""
    query = (
        select(func.count(distinct(ThanksRecipient.user_id)))
        .join(Thanks, Thanks.id == ThanksRecipient.thanks_id)
        .where(
            Thanks.platform == platform,
            Thanks.team_id == team_id,
            Thanks.created_at >= starts_at,
            Thanks.created_at < ends_at,
        )
    )
    return int(session.scalar(query) or 0)


def cards_by_directorate(
    session: Session, *, platform: str, team_id: str, starts_at: datetime, ends_at: datetime
) -> list[tuple[str | None, int]]:
    """Return (directorate or None, cards) for a period: the cards that thanked someone in each.

    A card that thanked two people of one directorate counts once there.
    """
    query = (
        select(ThanksRecipient.directorate, func.count(distinct(ThanksRecipient.thanks_id)))
        .join(Thanks, Thanks.id == ThanksRecipient.thanks_id)
        .where(
            Thanks.platform == platform,
            Thanks.team_id == team_id,
            Thanks.created_at >= starts_at,
            Thanks.created_at < ends_at,
        )
        .group_by(ThanksRecipient.directorate)
    )
    return [(row[0], int(row[1])) for row in session.execute(query)]


def given_by(session: Session, *, platform: str, user_id: str) -> list[Thanks]:
    """Return the cards a person gave on a platform, oldest first."""
    query = (
        select(Thanks)
        .where(Thanks.platform == platform, Thanks.giver_id == user_id)
        .order_by(Thanks.created_at, Thanks.id)
    )
    return list(session.scalars(query))


def received_by(session: Session, *, platform: str, user_id: str) -> list[Thanks]:
    """Return the cards that thanked a person on a platform, oldest first."""
    query = (
        select(Thanks)
        .join(ThanksRecipient, ThanksRecipient.thanks_id == Thanks.id)
        .where(Thanks.platform == platform, ThanksRecipient.user_id == user_id)
        .order_by(Thanks.created_at, Thanks.id)
    )
    return list(session.scalars(query))


def recipients_of(session: Session, thanks_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return the user ids thanked on each of the cards."""
    if not thanks_ids:
        return {}
    query = (
        select(ThanksRecipient.thanks_id, ThanksRecipient.user_id)
        .where(ThanksRecipient.thanks_id.in_(list(thanks_ids)))
        .order_by(ThanksRecipient.thanks_id, ThanksRecipient.user_id)
    )
    found: dict[int, list[str]] = {thanks_id: [] for thanks_id in thanks_ids}
    for thanks_id, user_id in session.execute(query):
        found[thanks_id].append(user_id)
    return found
