"""`staffvoice ideas import`, run as a user runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.campaigns import create_campaign, open_campaign
from storage.database import Database
from tests.bot.cli_support import run_cli


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ideas_import_command(cli_env: dict[str, str], database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    now = datetime.now(UTC)
    campaign = create_campaign(
        db,
        title="Your voice",
        channel_id="C0VOICE",
        starts="now",
        days=20,
        timezone=ZoneInfo("Europe/London"),
        now=now,
        topics=["What slows you down?"],
    )
    open_campaign(db, campaign.id, now=now)
    db.dispose()
    path = tmp_path / "forms.csv"
    path.write_text("Idea,Band,Ward\nQuiet room on ward 7,6,7\n,5,7\n", encoding="utf-8")
    import_args = ("ideas", "import", str(path), "--campaign", str(campaign.id))

    rejected = run_cli(*import_args, env=cli_env, cwd=tmp_path)
    path.write_text("Idea,Band,Ward\nQuiet room on ward 7,6,7\n", encoding="utf-8")
    imported = run_cli(*import_args, env=cli_env, cwd=tmp_path)
    listed = run_cli("ideas", "--json", env=cli_env, cwd=tmp_path)

    assert rejected.returncode == 1, rejected.stderr
    assert "line 3: The idea is empty." in rejected.stdout
    assert "Nothing was imported" in rejected.stdout
    assert imported.returncode == 0, imported.stderr
    assert "Columns not imported: 'Ward'." in imported.stdout
    assert f"Imported 1 idea from paper forms into campaign {campaign.id}" in imported.stdout
    assert listed.returncode == 0, listed.stderr
    ideas = json.loads(listed.stdout)
    assert [(idea["text"], idea["author"]) for idea in ideas] == [("Quiet room on ward 7", None)]
