"""Tests of granting, revoking and checking roles, the manager check and seeding."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.core import audit, roles
from bot.core.clock import ManualClock
from bot.core.errors import InvalidInput, PermissionDenied, StaffvoiceError
from bot.core.records import Person, RoleRecord
from storage.database import Database

ANN = Person("slack", "T1", "U0ANN", "Ann")
BOB = Person("slack", "T1", "U0BOB", "Bob")


def grant(
    db: Database,
    clock: ManualClock,
    user_id: str,
    role: str,
    *,
    granted_by: str = "cli",
    platform: str = "slack",
) -> bool:
    return roles.grant_role(
        db,
        platform=platform,
        user_id=user_id,
        role=role,
        granted_by=granted_by,
        now=clock.now(),
    )


def test_grant_role_new(db: Database, clock: ManualClock) -> None:
    assert grant(db, clock, "U0ANN", "manager")

    assert roles.list_roles(db) == [
        RoleRecord(
            platform="slack",
            user_id="U0ANN",
            role="manager",
            granted_at=clock.now(),
            granted_by="cli",
        )
    ]


def test_grant_role_twice(db: Database, clock: ManualClock) -> None:
    first_grant = clock.now()
    assert grant(db, clock, "U0ANN", "manager")
    clock.advance(timedelta(days=1))

    assert not grant(db, clock, "U0ANN", "manager", granted_by="U0BOB")

    [record] = roles.list_roles(db)
    assert record.granted_at == first_grant
    assert record.granted_by == "cli"


def test_grant_role_normalises_name(db: Database, clock: ManualClock) -> None:
    assert grant(db, clock, " U0ANN ", " Manager ")

    assert roles.is_manager(db, ANN)
    assert [record.role for record in roles.list_roles(db)] == ["manager"]


def test_grant_both_roles(db: Database, clock: ManualClock) -> None:
    assert grant(db, clock, "U0ANN", "manager")
    assert grant(db, clock, "U0ANN", "lead")

    assert roles.has_role(db, ANN, "manager")
    assert roles.has_role(db, ANN, "lead")
    assert [record.role for record in roles.list_roles(db)] == ["lead", "manager"]


def test_revoke_role(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")
    grant(db, clock, "U0ANN", "lead")

    assert roles.revoke_role(
        db, platform="slack", user_id="U0ANN", role="manager", revoked_by="cli", now=clock.now()
    )
    assert not roles.revoke_role(
        db, platform="slack", user_id="U0ANN", role="manager", revoked_by="cli", now=clock.now()
    )

    assert not roles.is_manager(db, ANN)
    assert roles.has_role(db, ANN, "lead")
    # One entry per change, newest first; the repeated revoke changed nothing.
    entries = [(row.action, row.subject, row.detail["role"]) for row in audit.list_audit(db)]
    assert entries == [
        ("role_revoke", "user:U0ANN", "manager"),
        ("role_grant", "user:U0ANN", "lead"),
        ("role_grant", "user:U0ANN", "manager"),
    ]


def test_revoke_role_never_held(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")

    assert not roles.revoke_role(
        db, platform="slack", user_id="U0BOB", role="manager", revoked_by="cli", now=clock.now()
    )
    assert not roles.revoke_role(
        db, platform="teams", user_id="U0ANN", role="manager", revoked_by="cli", now=clock.now()
    )
    assert roles.is_manager(db, ANN)


def test_roles_per_platform(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager", platform="teams")

    assert not roles.is_manager(db, ANN)
    assert roles.is_manager(db, Person("teams", "T9", "U0ANN"))


def test_roles_ignore_team(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")

    assert roles.is_manager(db, Person("slack", "T2", "U0ANN"))


def test_list_roles_platform_filter(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")
    grant(db, clock, "A0BOB", "lead", platform="teams")

    assert [record.user_id for record in roles.list_roles(db, platform="slack")] == ["U0ANN"]
    assert [record.user_id for record in roles.list_roles(db)] == ["U0ANN", "A0BOB"]


def test_lead_is_not_manager(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "lead")

    assert not roles.is_manager(db, ANN)
    assert roles.has_role(db, ANN, "lead")


def test_require_manager_allows_manager(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")

    roles.require_manager(db, ANN)
    roles.require_manager(db, ANN, action="create campaigns")


def test_require_manager_rejects_others(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0BOB", "lead")

    for person in (ANN, BOB):
        with pytest.raises(PermissionDenied) as raised:
            roles.require_manager(db, person)

        error = raised.value
        assert isinstance(error, StaffvoiceError)
        assert error.code == "permission_denied"
        assert "for engagement managers" in error.user_message
        assert f"`staffvoice roles grant {person.user_id} manager`" in error.user_message
        assert "administrator" in error.user_message


def test_require_manager_names_action(db: Database) -> None:
    with pytest.raises(PermissionDenied) as raised:
        roles.require_manager(db, ANN, action="create campaigns")

    assert raised.value.user_message.startswith("Only engagement managers can create campaigns.")


def test_require_manager_after_revoke(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")
    roles.revoke_role(
        db, platform="slack", user_id="U0ANN", role="manager", revoked_by="cli", now=clock.now()
    )

    with pytest.raises(PermissionDenied):
        roles.require_manager(db, ANN)


@pytest.mark.parametrize("role", ["admin", "", "managers", "team lead"])
def test_grant_rejects_unknown_role(db: Database, clock: ManualClock, role: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        grant(db, clock, "U0ANN", role)

    assert raised.value.field == "role"
    assert "manager or lead" in raised.value.user_message
    assert roles.list_roles(db) == []


def test_revoke_rejects_unknown_role(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")

    with pytest.raises(InvalidInput) as raised:
        roles.revoke_role(
            db, platform="slack", user_id="U0ANN", role="owner", revoked_by="cli", now=clock.now()
        )

    assert "'owner' is not a role" in raised.value.user_message
    assert roles.is_manager(db, ANN)


def test_has_role_rejects_unknown_role(db: Database) -> None:
    with pytest.raises(InvalidInput):
        roles.has_role(db, ANN, "admin")


@pytest.mark.parametrize("user_id", ["", "   "])
def test_grant_rejects_empty_user_id(db: Database, clock: ManualClock, user_id: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        grant(db, clock, user_id, "manager")

    assert raised.value.field == "user_id"
    assert "empty" in raised.value.user_message
    assert "U0123ABCD" in raised.value.user_message
    assert roles.list_roles(db) == []


def test_grant_user_id_length_limit(db: Database, clock: ManualClock) -> None:
    longest = "U" + "A" * (roles.MAX_USER_ID_LENGTH - 1)

    assert grant(db, clock, longest, "lead")
    with pytest.raises(InvalidInput) as raised:
        grant(db, clock, longest + "A", "lead")

    assert f"the maximum is {roles.MAX_USER_ID_LENGTH}" in raised.value.user_message
    assert [record.user_id for record in roles.list_roles(db)] == [longest]


def test_grant_rejects_empty_granted_by(db: Database, clock: ManualClock) -> None:
    with pytest.raises(ValueError, match="granted_by"):
        grant(db, clock, "U0ANN", "manager", granted_by="")

    assert roles.list_roles(db) == []


def test_grant_concurrent_once(db: Database, clock: ManualClock) -> None:
    count = 8
    barrier = threading.Barrier(count)

    def run(index: int) -> bool:
        barrier.wait(timeout=30)
        return grant(db, clock, "U0ANN", "manager", granted_by=f"U0GRANTER{index}")

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(run, range(count)))

    assert results.count(True) == 1
    assert len(roles.list_roles(db)) == 1


def test_grant_and_revoke_logged(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.roles")

    grant(db, clock, "U0ANN", "lead", granted_by="U0BOB")
    grant(db, clock, "U0ANN", "lead", granted_by="U0BOB")
    roles.revoke_role(
        db, platform="slack", user_id="U0ANN", role="lead", revoked_by="cli", now=clock.now()
    )
    roles.revoke_role(
        db, platform="slack", user_id="U0ANN", role="lead", revoked_by="cli", now=clock.now()
    )

    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "Granted lead to slack user U0ANN, by U0BOB",
        "Revoked lead from slack user U0ANN, by cli",
    ]
    assert all(record.levelno == logging.INFO for record in caplog.records)


def test_seed_managers_grants(db: Database, clock: ManualClock) -> None:
    granted = roles.seed_managers(
        db, platform="slack", user_ids=("U0ANN", "U0BOB"), now=clock.now()
    )

    assert granted == 2
    records = roles.list_roles(db)
    assert [(record.user_id, record.role) for record in records] == [
        ("U0ANN", "manager"),
        ("U0BOB", "manager"),
    ]
    assert {record.granted_by for record in records} == {"STAFFVOICE_MANAGERS"}


def test_seed_managers_idempotent(db: Database, clock: ManualClock) -> None:
    roles.seed_managers(db, platform="slack", user_ids=("U0ANN",), now=clock.now())
    clock.advance(timedelta(hours=1))

    assert roles.seed_managers(db, platform="slack", user_ids=("U0ANN",), now=clock.now()) == 0
    assert len(roles.list_roles(db)) == 1


def test_seed_managers_repeated_id(db: Database, clock: ManualClock) -> None:
    granted = roles.seed_managers(
        db, platform="slack", user_ids=("U0ANN", "U0ANN", " U0ANN "), now=clock.now()
    )

    assert granted == 1
    assert len(roles.list_roles(db)) == 1


def test_seed_managers_keeps_existing(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager", granted_by="cli")
    grant(db, clock, "U0CAT", "manager", granted_by="cli")
    grant(db, clock, "U0BOB", "lead", granted_by="cli")

    granted = roles.seed_managers(
        db, platform="slack", user_ids=("U0ANN", "U0BOB"), now=clock.now()
    )

    assert granted == 1
    granted_by = {
        (record.user_id, record.role): record.granted_by for record in roles.list_roles(db)
    }
    assert granted_by == {
        ("U0ANN", "manager"): "cli",
        ("U0BOB", "lead"): "cli",
        ("U0BOB", "manager"): "STAFFVOICE_MANAGERS",
        ("U0CAT", "manager"): "cli",
    }


def test_seed_managers_none_given(db: Database, clock: ManualClock) -> None:
    grant(db, clock, "U0ANN", "manager")

    assert roles.seed_managers(db, platform="slack", user_ids=(), now=clock.now()) == 0
    assert roles.is_manager(db, ANN)


def test_seed_managers_rejects_empty_id(db: Database, clock: ManualClock) -> None:
    with pytest.raises(InvalidInput):
        roles.seed_managers(db, platform="slack", user_ids=("U0ANN", ""), now=clock.now())

    assert roles.list_roles(db) == []


def test_seed_managers_warns_without_managers(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.roles")
    grant(db, clock, "U0BOB", "lead")

    roles.seed_managers(db, platform="slack", user_ids=(), now=clock.now())

    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "STAFFVOICE_MANAGERS" in warnings[0].getMessage()
    assert "staffvoice roles grant USER_ID manager" in warnings[0].getMessage()


def test_seed_managers_quiet_with_managers(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.core.roles")

    roles.seed_managers(db, platform="slack", user_ids=("U0ANN",), now=clock.now())

    assert [record.levelno for record in caplog.records] == [logging.INFO, logging.INFO]
    assert "Granted manager to slack user U0ANN" in caplog.records[0].getMessage()
