"""Storage functions for the roles granted to people, such as engagement manager."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import Role
from storage.upsert import insert_if_absent


def add_role(
    session: Session, *, platform: str, user_id: str, role: str, granted_by: str, now: datetime
) -> bool:
    """Grant a role unless the person has it already, and return whether it was added."""
    return insert_if_absent(
        session,
        Role,
        platform=platform,
        user_id=user_id,
        role=role,
        granted_at=now,
        granted_by=granted_by,
    )


def remove_role(session: Session, *, platform: str, user_id: str, role: str) -> bool:
    """Revoke a role, and return whether the person had it."""
    result = session.execute(
        delete(Role).where(Role.platform == platform, Role.user_id == user_id, Role.role == role)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_roles(
    session: Session, *, platform: str | None = None, role: str | None = None
) -> list[Role]:
    """Return granted roles by platform, user id and role, optionally of one platform or role."""
    query = select(Role).order_by(Role.platform, Role.user_id, Role.role)
    if platform is not None:
        query = query.where(Role.platform == platform)
    if role is not None:
        query = query.where(Role.role == role)
    return list(session.scalars(query))


def has_role(session: Session, *, platform: str, user_id: str, role: str) -> bool:
    """Return whether the person has the role."""
    query = select(Role.user_id).where(
        Role.platform == platform, Role.user_id == user_id, Role.role == role
    )
    return session.scalar(query) is not None
