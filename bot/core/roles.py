"""Roles: granting, revoking and checking the engagement manager and team lead roles.

A role belongs to a user id on one platform, not to a workspace, because Slack
user ids are unique across the workspaces of an organisation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import audit
from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.records import Person, RoleRecord
from storage import roles as role_store
from storage.database import Database
from storage.models import ID_LENGTH, Role

logger = logging.getLogger(__name__)

MANAGER = "manager"
LEAD = "lead"
ROLES = (MANAGER, LEAD)
MAX_USER_ID_LENGTH = ID_LENGTH
# The granted_by label of managers seeded from the STAFFVOICE_MANAGERS setting.
SEEDED_BY = "STAFFVOICE_MANAGERS"


def role_record(role: Role) -> RoleRecord:
    """Copy a role row into a detached record."""
    return RoleRecord(
        platform=role.platform,
        user_id=role.user_id,
        role=role.role,
        granted_at=role.granted_at,
        granted_by=role.granted_by,
    )


def validate_role(role: str) -> str:
    """Return the role name stripped and lower-cased, raising InvalidInput for an unknown one."""
    name = role.strip().lower()
    if name not in ROLES:
        raise InvalidInput(
            f"{role!r} is not a role: use {' or '.join(ROLES)}.",
            field="role",
        )
    return name


def validate_user_id(user_id: str) -> str:
    """Return the user id stripped, raising InvalidInput when it is empty or too long."""
    cleaned = user_id.strip()
    if not cleaned:
        raise InvalidInput(
            "The user id is empty: give the person's member id, such as U0123ABCD.",
            field="user_id",
        )
    if len(cleaned) > MAX_USER_ID_LENGTH:
        raise InvalidInput(
            f"The user id has {len(cleaned)} characters, but the maximum is {MAX_USER_ID_LENGTH}. "
            "Give the person's member id, such as U0123ABCD.",
            field="user_id",
        )
    return cleaned


def grant_role(
    db: Database, *, platform: str, user_id: str, role: str, granted_by: str, now: datetime
) -> bool:
    """Grant a role to a person, returning False and changing nothing when they have it already."""
    role = validate_role(role)
    user_id = validate_user_id(user_id)
    if not granted_by or len(granted_by) > ID_LENGTH:
        raise ValueError(f"granted_by must be 1 to {ID_LENGTH} characters, not {granted_by!r}")
    with db.transaction() as session:
        added = role_store.add_role(
            session,
            platform=platform,
            user_id=user_id,
            role=role,
            granted_by=granted_by,
            now=now,
        )
        if added:
            _record_change(
                session,
                actor=granted_by,
                action=audit.ROLE_GRANT,
                platform=platform,
                user_id=user_id,
                role=role,
                now=now,
            )
    if added:
        logger.info("Granted %s to %s user %s, by %s", role, platform, user_id, granted_by)
    return added


def revoke_role(
    db: Database, *, platform: str, user_id: str, role: str, revoked_by: str, now: datetime
) -> bool:
    """Revoke a role from a person, returning False when they did not have it.

    The audit log keeps who revoked it and when, because the roles table keeps no revoked rows.
    """
    role = validate_role(role)
    user_id = validate_user_id(user_id)
    with db.transaction() as session:
        removed = role_store.remove_role(session, platform=platform, user_id=user_id, role=role)
        if removed:
            _record_change(
                session,
                actor=revoked_by,
                action=audit.ROLE_REVOKE,
                platform=platform,
                user_id=user_id,
                role=role,
                now=now,
            )
    if removed:
        logger.info("Revoked %s from %s user %s, by %s", role, platform, user_id, revoked_by)
    return removed


def list_roles(db: Database, *, platform: str | None = None) -> list[RoleRecord]:
    """Return every granted role by platform, user id and role, optionally of one platform."""
    with db.transaction() as session:
        return [role_record(row) for row in role_store.list_roles(session, platform=platform)]


def has_role(db: Database, person: Person, role: str) -> bool:
    """Return whether the person has the role on their platform."""
    role = validate_role(role)
    with db.transaction() as session:
        return role_store.has_role(
            session, platform=person.platform, user_id=person.user_id, role=role
        )


def is_manager(db: Database, person: Person) -> bool:
    """Return whether the person is an engagement manager."""
    return has_role(db, person, MANAGER)


def require_manager(db: Database, person: Person, *, action: str | None = None) -> None:
    """Raise PermissionDenied unless the person is an engagement manager.

    action completes "Only engagement managers can ...", such as "create campaigns".
    """
    if is_manager(db, person):
        return
    refusal = (
        f"Only engagement managers can {action}."
        if action
        else "This action is for engagement managers only."
    )
    raise PermissionDenied(
        f"{refusal} You do not have the manager role, and nothing was changed. To get it, ask "
        f"an administrator to run `staffvoice roles grant {person.user_id} manager`."
    )


def seed_managers(
    db: Database,
    *,
    platform: str,
    user_ids: Iterable[str],
    now: datetime,
    setting: str = SEEDED_BY,
) -> int:
    """Grant the manager role to each user id that lacks it, and return how many were granted.

    setting names where the ids came from (STAFFVOICE_MANAGERS, or
    STAFFVOICE_TEAMS_MANAGERS for Teams), recorded as the grantor. Seeding never
    revokes, so a manager removed from the setting keeps the role until
    `staffvoice roles revoke` removes it.
    """
    cleaned = [validate_user_id(user_id) for user_id in user_ids]
    granted: list[str] = []
    with db.transaction() as session:
        for user_id in dict.fromkeys(cleaned):
            if role_store.add_role(
                session,
                platform=platform,
                user_id=user_id,
                role=MANAGER,
                granted_by=setting,
                now=now,
            ):
                granted.append(user_id)
                _record_change(
                    session,
                    actor=setting,
                    action=audit.ROLE_GRANT,
                    platform=platform,
                    user_id=user_id,
                    role=MANAGER,
                    now=now,
                )
        manager_count = len(role_store.list_roles(session, platform=platform, role=MANAGER))
    for user_id in granted:
        logger.info("Granted %s to %s user %s, by %s", MANAGER, platform, user_id, setting)
    if cleaned:
        logger.info(
            "Seeded managers from %s: %s granted, %s already held the role",
            setting,
            len(granted),
            len(set(cleaned)) - len(granted),
        )
    if manager_count == 0:
        logger.warning(
            "No %s user is an engagement manager, so nobody can run manager actions: set %s "
            "or run `staffvoice roles grant USER_ID manager`",
            platform.capitalize(),
            setting,
        )
    return len(granted)


def _record_change(
    session: Session,
    *,
    actor: str,
    action: str,
    platform: str,
    user_id: str,
    role: str,
    now: datetime,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        subject=audit.user_subject(user_id),
        detail={"role": role, "platform": platform},
        now=now,
    )
