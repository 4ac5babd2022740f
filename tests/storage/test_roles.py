"""Tests of the role storage functions."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import roles as store
from storage.database import Database
from storage.models import Role

NOW = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
ANN = {"platform": "slack", "user_id": "U0ANN"}


def role_rows(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Role)) or 0)


def test_add_role_once(db: Database) -> None:
    with db.transaction() as session:
        assert store.add_role(session, role="manager", granted_by="cli", now=NOW, **ANN)
        assert not store.add_role(
            session, role="manager", granted_by="U0BOB", now=NOW + timedelta(hours=1), **ANN
        )
        assert role_rows(session) == 1


def test_add_role_keeps_first_grant(db: Database) -> None:
    with db.transaction() as session:
        store.add_role(session, role="manager", granted_by="cli", now=NOW, **ANN)
        store.add_role(
            session, role="manager", granted_by="U0BOB", now=NOW + timedelta(hours=1), **ANN
        )

    with db.transaction() as session:
        [row] = store.list_roles(session)
        assert row.granted_by == "cli"
        assert row.granted_at == NOW


def test_add_role_distinct_keys(db: Database) -> None:
    with db.transaction() as session:
        assert store.add_role(session, role="manager", granted_by="cli", now=NOW, **ANN)
        assert store.add_role(session, role="lead", granted_by="cli", now=NOW, **ANN)
        assert store.add_role(
            session, platform="teams", user_id="U0ANN", role="manager", granted_by="cli", now=NOW
        )
        assert store.add_role(
            session, platform="slack", user_id="U0BOB", role="manager", granted_by="cli", now=NOW
        )
        assert role_rows(session) == 4


def test_remove_role(db: Database) -> None:
    with db.transaction() as session:
        store.add_role(session, role="manager", granted_by="cli", now=NOW, **ANN)
        store.add_role(session, role="lead", granted_by="cli", now=NOW, **ANN)

        assert store.remove_role(session, role="manager", **ANN)
        assert not store.remove_role(session, role="manager", **ANN)
        assert role_rows(session) == 1
        assert store.has_role(session, role="lead", **ANN)


def test_remove_role_only_own(db: Database) -> None:
    with db.transaction() as session:
        store.add_role(session, role="manager", granted_by="cli", now=NOW, **ANN)

        assert not store.remove_role(session, platform="slack", user_id="U0BOB", role="manager")
        assert not store.remove_role(session, platform="teams", user_id="U0ANN", role="manager")
        assert role_rows(session) == 1


def test_has_role(db: Database) -> None:
    with db.transaction() as session:
        store.add_role(session, role="lead", granted_by="cli", now=NOW, **ANN)

        assert store.has_role(session, role="lead", **ANN)
        assert not store.has_role(session, role="manager", **ANN)
        assert not store.has_role(session, platform="teams", user_id="U0ANN", role="lead")
        assert not store.has_role(session, platform="slack", user_id="U0BOB", role="lead")


def test_list_roles_order(db: Database) -> None:
    with db.transaction() as session:
        store.add_role(
            session, platform="slack", user_id="U0CAT", role="manager", granted_by="cli", now=NOW
        )
        store.add_role(
            session, platform="slack", user_id="U0ANN", role="manager", granted_by="cli", now=NOW
        )
        store.add_role(
            session, platform="slack", user_id="U0ANN", role="lead", granted_by="cli", now=NOW
        )
        store.add_role(
            session, platform="teams", user_id="A0ANN", role="lead", granted_by="cli", now=NOW
        )

    with db.transaction() as session:
        keys = [(row.platform, row.user_id, row.role) for row in store.list_roles(session)]

    assert keys == [
        ("slack", "U0ANN", "lead"),
        ("slack", "U0ANN", "manager"),
        ("slack", "U0CAT", "manager"),
        ("teams", "A0ANN", "lead"),
    ]


def test_list_roles_filters(db: Database) -> None:
    with db.transaction() as session:
        store.add_role(
            session, platform="slack", user_id="U0ANN", role="manager", granted_by="cli", now=NOW
        )
        store.add_role(
            session, platform="slack", user_id="U0BOB", role="lead", granted_by="cli", now=NOW
        )
        store.add_role(
            session, platform="teams", user_id="A0CAT", role="manager", granted_by="cli", now=NOW
        )

        slack = store.list_roles(session, platform="slack")
        managers = store.list_roles(session, role="manager")
        slack_managers = store.list_roles(session, platform="slack", role="manager")

    assert [row.user_id for row in slack] == ["U0ANN", "U0BOB"]
    assert [row.user_id for row in managers] == ["U0ANN", "A0CAT"]
    assert [row.user_id for row in slack_managers] == ["U0ANN"]


def test_list_roles_empty(db: Database) -> None:
    with db.transaction() as session:
        assert store.list_roles(session) == []
