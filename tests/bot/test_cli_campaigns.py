"""The campaign subcommands with topics, close and extend, run as a user runs them."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import campaigns
from bot.core.records import CampaignRecord
from storage.database import Database
from tests.bot.cli_support import run_cli


def create(env: dict[str, str], cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "campaign",
        "create",
        "--title",
        "Spring ideas",
        "--channel",
        "C0SPRING",
        "--starts",
        "now",
        *(extra if "--topic" in extra else ("--topic", "What slows you down?", *extra)),
        env=env,
        cwd=cwd,
    )


def stored(database_url: str) -> list[CampaignRecord]:
    db = Database(database_url)
    try:
        return campaigns.list_campaigns(db)
    finally:
        db.dispose()


def test_create_with_topics_and_options(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = create(
        cli_env,
        tmp_path,
        "--topic",
        "How could we recognise each other's work?",
        "--topic",
        "What slows you down?",
        "--hide-counts",
        "--quarterly",
    )

    assert result.returncode == 0, result.stderr
    [record] = stored(database_url)
    assert [t.question for t in record.topics] == [
        "How could we recognise each other's work?",
        "What slows you down?",
    ]
    assert record.hide_counts is True
    assert record.repeat_quarterly is True
    assert record.created_by is None


def test_create_without_topics_rejected(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = run_cli(
        "campaign",
        "create",
        "--title",
        "No questions",
        "--channel",
        "C0SPRING",
        "--starts",
        "now",
        env=cli_env,
        cwd=tmp_path,
    )

    assert result.returncode == 2
    assert "add --topic QUESTION" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert stored(database_url) == []


def test_create_defaults_options_off(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = create(cli_env, tmp_path)

    assert result.returncode == 0, result.stderr
    [record] = stored(database_url)
    assert [topic.question for topic in record.topics] == ["What slows you down?"]
    assert record.hide_counts is False
    assert record.repeat_quarterly is False


def test_create_duplicate_topic_rejected(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    result = create(cli_env, tmp_path, "--topic", "Same?", "--topic", "same?")

    assert result.returncode == 2
    assert "repeats an earlier question" in result.stderr
    assert stored(database_url) == []


def test_list_shows_topics(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert create(cli_env, tmp_path, "--topic", "What slows you down?").returncode == 0

    listed = run_cli("campaign", "list", env=cli_env, cwd=tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert "Spring ideas" in listed.stdout
    assert "topic 1: What slows you down?" in listed.stdout


def test_close_open_campaign(cli_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    assert create(cli_env, tmp_path).returncode == 0
    [record] = stored(database_url)
    db = Database(database_url)
    try:
        assert campaigns.open_campaign(db, record.id, now=datetime.now(UTC)) is not None
    finally:
        db.dispose()

    result = run_cli("campaign", "close", str(record.id), env=cli_env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert f"Campaign {record.id} closes now" in result.stdout
    [after] = stored(database_url)
    assert after.ends_at < record.ends_at
    assert after.ends_at <= datetime.now(UTC)


def test_close_scheduled_rejected(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    assert create(cli_env, tmp_path).returncode == 0
    [record] = stored(database_url)

    result = run_cli("campaign", "close", str(record.id), env=cli_env, cwd=tmp_path)

    assert result.returncode == 2
    assert "has not opened yet" in result.stderr
    assert stored(database_url)[0].ends_at == record.ends_at


def test_close_unknown_campaign(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = run_cli("campaign", "close", "404", env=cli_env, cwd=tmp_path)

    assert result.returncode == 2
    assert "There is no campaign 404" in result.stderr


def test_extend_moves_close(cli_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    result = run_cli(
        "campaign",
        "create",
        "--title",
        "Winter",
        "--topic",
        "What slows you down?",
        "--channel",
        "C0WINTER",
        "--starts",
        "2031-03-20 09:00",
        "--days",
        "5",
        env=cli_env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    [record] = stored(database_url)

    extended = run_cli(
        "campaign", "extend", str(record.id), "--days", "10", env=cli_env, cwd=tmp_path
    )

    assert extended.returncode == 0, extended.stderr
    # 2031-03-25 09:00 GMT plus ten days crosses the change to BST and keeps 09:00 local.
    assert "now closes 2031-04-04 09:00 BST" in extended.stdout


@pytest.mark.parametrize(("days", "expected"), [("0", "1 or more"), ("400", "the maximum is 366")])
def test_extend_rejects_days(
    cli_env: dict[str, str], database_url: str, tmp_path: Path, days: str, expected: str
) -> None:
    assert create(cli_env, tmp_path).returncode == 0
    [record] = stored(database_url)

    result = run_cli(
        "campaign", "extend", str(record.id), "--days", days, env=cli_env, cwd=tmp_path
    )

    assert result.returncode == 2
    assert expected in result.stderr
    assert stored(database_url)[0].ends_at == record.ends_at


def test_cancel_scheduled_campaign(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    assert create(cli_env, tmp_path, "--topic", "Q?").returncode == 0
    [record] = stored(database_url)
    later = run_cli(
        "campaign",
        "create",
        "--title",
        "Next spring",
        "--channel",
        "C0SPRING",
        "--starts",
        "2031-03-20 09:00",
        "--topic",
        "What slows you down?",
        env=cli_env,
        cwd=tmp_path,
    )
    assert later.returncode == 0, later.stderr
    scheduled = max(stored(database_url), key=lambda campaign: campaign.id)

    cancelled = run_cli("campaign", "cancel", str(scheduled.id), env=cli_env, cwd=tmp_path)
    again = run_cli("campaign", "cancel", str(scheduled.id), env=cli_env, cwd=tmp_path)
    listed = run_cli("campaign", "list", env=cli_env, cwd=tmp_path)

    assert cancelled.returncode == 0, cancelled.stderr
    assert f"Campaign {scheduled.id} is cancelled" in cancelled.stdout
    assert again.returncode == 2
    assert "is cancelled already" in again.stderr
    assert "cancelled" in listed.stdout
    statuses = {campaign.id: campaign.status for campaign in stored(database_url)}
    assert statuses == {record.id: "scheduled", scheduled.id: "cancelled"}


def test_edit_scheduled_campaign(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    created = run_cli(
        "campaign",
        "create",
        "--title",
        "Next spring",
        "--channel",
        "C0SPRING",
        "--starts",
        "2031-03-20 09:00",
        "--topic",
        "What slows you down?",
        env=cli_env,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    [record] = stored(database_url)

    edited = run_cli(
        "campaign",
        "edit",
        str(record.id),
        "--title",
        "Spring voice",
        "--topic",
        "Who deserves thanks?",
        "--topic",
        "What should we stop doing?",
        env=cli_env,
        cwd=tmp_path,
    )
    empty = run_cli("campaign", "edit", str(record.id), "--title", " ", env=cli_env, cwd=tmp_path)

    assert edited.returncode == 0, edited.stderr
    assert f"Campaign {record.id} saved" in edited.stdout
    assert empty.returncode == 2
    [after] = stored(database_url)
    assert after.title == "Spring voice"
    assert [topic.question for topic in after.topics] == [
        "Who deserves thanks?",
        "What should we stop doing?",
    ]
    assert (after.starts_at, after.ends_at) == (record.starts_at, record.ends_at)


def test_edit_shorter_drops_reminder_day(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    created = run_cli(
        "campaign",
        "create",
        "--title",
        "Next spring",
        "--channel",
        "C0SPRING",
        "--starts",
        "2031-03-20 09:00",
        "--days",
        "10",
        "--topic",
        "What slows you down?",
        env=cli_env,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    [record] = stored(database_url)

    edited = run_cli("campaign", "edit", str(record.id), "--days", "5", env=cli_env, cwd=tmp_path)

    assert edited.returncode == 0, edited.stderr
    [after] = stored(database_url)
    assert after.reminder_days == ()
    assert after.final_reminder_hours == 48
    assert after.ends_at.date() == record.starts_at.date() + timedelta(days=5)
