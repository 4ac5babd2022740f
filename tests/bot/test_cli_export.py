"""`staffvoice export` as a user runs it: progress on stderr, files, and a refusal to overwrite."""

from __future__ import annotations

import os
from pathlib import Path

from tests.bot.cli_support import run_cli


def test_export_command_writes_files(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "STAFFVOICE_", "DATABASE_URL"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    created = run_cli(
        "campaign",
        "create",
        "--title",
        "T",
        "--channel",
        "C0123456789",
        "--starts",
        "now",
        "--topic",
        "Q?",
        env=env,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    out = tmp_path / "out"

    first = run_cli(
        "export", "--campaign", "1", "--format", "xlsx", "--out", str(out), env=env, cwd=tmp_path
    )
    again = run_cli(
        "export", "--campaign", "1", "--format", "xlsx", "--out", str(out), env=env, cwd=tmp_path
    )

    assert first.returncode == 0, first.stderr
    assert "Ideas: 0 of 0 rows" in first.stderr
    assert str(out / "campaign-1.xlsx") in first.stdout
    assert (out / "campaign-1.xlsx").stat().st_size > 0
    assert again.returncode == 2
    assert "campaign-1.xlsx already exists" in again.stderr
    assert "--force" in again.stderr
