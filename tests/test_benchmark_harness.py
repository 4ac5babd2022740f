"""The export benchmark's harness, on a tiny campaign, so `make bench` is known to work."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.harness import render_report, run_benchmark


def test_harness_tiny_campaign(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    shutil.copyfile(sqlite_template, path)

    results = run_benchmark(
        backends=["sqlite"],
        vote_counts=[100],
        repeats=1,
        database_urls={"sqlite": f"sqlite:///{path}"},
        progress=lambda message: None,
    )
    report = render_report(
        results, machine="test machine", when=datetime(2027, 1, 1, tzinfo=UTC), command="x"
    )

    assert [result.export_format for result in results] == ["csv", "xlsx"]
    for result in results:
        assert result.rows["ideas"] == 10
        assert result.rows["comments"] == 10
        assert result.seconds[0] > 0
        # A Python process with SQLAlchemy loaded takes well over 20 MB.
        assert result.peak_mb > 20
    assert "| sqlite | 100 | 10 | 10 | csv |" in report
