"""`staffvoice ideas status` and `staffvoice ideas answers`, run as a user runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.core.campaigns import create_campaign, open_campaign
from bot.core.ideas import submit_idea
from bot.core.records import Person
from storage.database import Database
from storage.models import Idea, OutboxMessage
from tests.bot.cli_support import run_cli

ANN = Person("slack", "T1", "U_ANN", "Ann")


def seed_ideas(database_url: str) -> list[int]:
    """Create an open campaign with two ideas by Ann, posted two days ago."""
    db = Database(database_url)
    try:
        posted_at = datetime.now(UTC) - timedelta(days=2)
        campaign = create_campaign(
            db,
            title="Your voice",
            channel_id="C0VOICE",
            starts="now",
            timezone=ZoneInfo("Europe/London"),
            now=posted_at,
        )
        open_campaign(db, campaign.id, now=posted_at)
        return [
            submit_idea(db, ANN, text=text, channel_id="C0VOICE", now=posted_at).idea.id
            for text in ("Quiet room", "Bike racks")
        ]
    finally:
        db.dispose()


def stored(database_url: str) -> tuple[dict[int, str | None], int]:
    """Return each idea's status and the number of outbox messages."""
    db = Database(database_url)
    try:
        with db.transaction() as session:
            statuses = {idea.id: idea.status for idea in session.scalars(select(Idea))}
            messages = len(list(session.scalars(select(OutboxMessage))))
        return statuses, messages
    finally:
        db.dispose()


def words(output: str) -> list[str]:
    """Return the output's lines with runs of spaces made one, for the aligned counts."""
    return [" ".join(line.split()) for line in output.splitlines()]


def test_status_command_good_bad_and_dry_run(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    first, second = seed_ideas(database_url)
    path = tmp_path / "outcome.csv"
    path.write_text(f"id,status,reply\n{first},planned,Soon\n{second},later,\n", encoding="utf-8")

    rejected = run_cli("ideas", "status", "--from", str(path), env=cli_env, cwd=tmp_path)
    after_rejected = stored(database_url)
    path.write_text(
        f"id,status,reply,owner\n{first},Planned,Soon,Estates team\n{second},Done,,\n",
        encoding="utf-8",
    )
    dry = run_cli("ideas", "status", "--from", str(path), "--dry-run", env=cli_env, cwd=tmp_path)
    after_dry = stored(database_url)
    applied = run_cli("ideas", "status", "--from", str(path), env=cli_env, cwd=tmp_path)
    after_applied = stored(database_url)

    assert rejected.returncode == 1, rejected.stderr
    assert "line 3: The status 'later' is not a status." in rejected.stdout
    assert "Nothing was changed" in rejected.stdout
    assert "Read outcome.csv (UTF-8): 2 lines, 1 rejected." in rejected.stdout
    assert "Checked 2 of 2 lines" in rejected.stderr
    assert after_rejected == ({first: None, second: None}, 0)
    assert dry.returncode == 0, dry.stderr
    assert "would change 2" in words(dry.stdout)
    assert "Dry run: nothing was stored" in dry.stdout
    assert after_dry == ({first: None, second: None}, 0)
    assert applied.returncode == 0, applied.stderr
    assert "changed 2" in words(applied.stdout)
    assert "Planned 1" in words(applied.stdout)
    assert "Done 1" in words(applied.stdout)
    assert "2 direct messages to authors and voters are queued" in applied.stdout
    assert "Applied 2 of 2 lines" in applied.stderr
    assert after_applied == ({first: "planned", second: "done"}, 2)


def test_status_command_one_message_singular(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    first, _ = seed_ideas(database_url)
    path = tmp_path / "outcome.csv"
    path.write_text(f"id,status,reply\n{first},Planned,Soon\n", encoding="utf-8")

    applied = run_cli("ideas", "status", "--from", str(path), env=cli_env, cwd=tmp_path)

    assert applied.returncode == 0, applied.stderr
    assert "1 direct message to authors and voters is queued;" in applied.stdout
    assert "are queued" not in applied.stdout
    assert stored(database_url)[1] == 1


def test_answers_command_prints_table(
    cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    first, _ = seed_ideas(database_url)
    path = tmp_path / "outcome.csv"
    path.write_text(f"id,status,reply\n{first},done,Fitted\n", encoding="utf-8")
    assert (
        run_cli("ideas", "status", "--from", str(path), env=cli_env, cwd=tmp_path).returncode == 0
    )

    table = run_cli("ideas", "answers", env=cli_env, cwd=tmp_path)
    unknown = run_cli("ideas", "answers", "--campaign", "99", env=cli_env, cwd=tmp_path)

    assert table.returncode == 0, table.stderr
    header, row = table.stdout.splitlines()[:2]
    assert header.split() == [
        "ID",
        "TITLE",
        "STATUS",
        "IDEAS",
        "ANSWERED",
        "DONE",
        "MEDIAN",
        "DAYS",
    ]
    assert row.split() == ["1", "Your", "voice", "open", "2", "1", "1", "2.0"]
    assert unknown.returncode == 2
    assert "There is no campaign 99" in unknown.stderr
