"""Tests of the audit log: entries commit with their change and list newest first."""

from datetime import timedelta

import pytest

from bot.core import audit
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput
from storage import roles as role_store
from storage.database import Database


class Rollback(Exception):
    pass


@pytest.mark.database
def test_record_commits_with_change(db: Database, clock: ManualClock) -> None:
    with pytest.raises(Rollback), db.transaction() as session:
        role_store.add_role(
            session,
            platform="slack",
            user_id="U0ANN",
            role="manager",
            granted_by="cli",
            now=clock.now(),
        )
        audit.record(
            session,
            actor="cli",
            action=audit.ROLE_GRANT,
            subject="user:U0ANN",
            detail={"role": "manager"},
            now=clock.now(),
        )
        raise Rollback

    assert audit.list_audit(db) == []

    with db.transaction() as session:
        audit.record(
            session,
            actor="cli",
            action=audit.ROLE_GRANT,
            subject="user:U0ANN",
            detail={"role": "manager"},
            now=clock.now(),
        )
    clock.advance(timedelta(days=1))
    with db.transaction() as session:
        audit.record(
            session,
            actor="U0BOB",
            action=audit.EXPORT,
            subject="campaign:3",
            detail={"ideas": 4, "format": "csv"},
            now=clock.now(),
        )

    newest, oldest = audit.list_audit(db)
    assert (newest.action, newest.actor, newest.detail) == (
        "export",
        "U0BOB",
        {"ideas": 4, "format": "csv"},
    )
    assert (oldest.action, oldest.subject) == ("role_grant", "user:U0ANN")
    assert [row.id for row in audit.list_audit(db, since=clock.now())] == [newest.id]
    assert [row.id for row in audit.list_audit(db, action="role_grant")] == [oldest.id]
    assert [row.id for row in audit.list_audit(db, actor="U0BOB")] == [newest.id]
    assert [row.id for row in audit.list_audit(db, limit=1)] == [newest.id]

    with db.transaction() as session, pytest.raises(ValueError, match="detail 'text'"):
        audit.record(
            session,
            actor="cli",
            action="hide",
            subject="idea:1",
            detail={"text": "x" * 200},
            now=clock.now(),
        )
    with pytest.raises(InvalidInput, match="from 1 to"):
        audit.list_audit(db, limit=0)
