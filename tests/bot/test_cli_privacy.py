"""The `staffvoice privacy` and `staffvoice audit` commands run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.core import audit
from tests.bot.cli_support import run_cli


def test_privacy_erase_and_audit(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "STAFFVOICE_", "DATABASE_URL"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'staffvoice.db'}"
    assert run_cli("roles", "grant", "U0ANN", "manager", env=env, cwd=tmp_path).returncode == 0

    exported = run_cli(
        "privacy", "export", "--user", "U0ANN", "--out", "ann.json", env=env, cwd=tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    data = json.loads((tmp_path / "ann.json").read_text(encoding="utf-8"))
    assert [row["role"] for row in data["roles"]] == ["manager"]
    assert "Anonymous ideas" in data["note"]

    declined = subprocess.run(
        [sys.executable, "-m", "bot", "privacy", "erase", "--user", "U0ANN"],
        env=env,
        cwd=tmp_path,
        input="no\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert declined.returncode == 1
    assert "delete from roles: 1" in declined.stdout
    assert "Nothing was erased." in declined.stdout

    erased = run_cli("privacy", "erase", "--user", "U0ANN", "--yes", env=env, cwd=tmp_path)
    assert erased.returncode == 0, erased.stderr
    listed = run_cli("audit", "--json", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    entries = [(row["action"], row["subject"]) for row in json.loads(listed.stdout)]
    hashed = audit.erased_label("U0ANN")
    assert entries == [
        ("privacy_erase", hashed),
        ("privacy_export", hashed),
        ("role_grant", hashed),
    ]
    assert "U0ANN" not in run_cli("audit", env=env, cwd=tmp_path).stdout

    bad = run_cli("audit", "--since", "31/01/2027", env=env, cwd=tmp_path)
    assert bad.returncode == 2
    assert "YYYY-MM-DD" in bad.stderr
