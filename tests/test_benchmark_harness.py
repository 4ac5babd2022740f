"""The benchmark harness and the scale benchmark on tiny campaigns, so `make bench` works."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from storage.database import Database
from storage.models import Idea, Vote
from tests.benchmarks import harness, scale
from tests.benchmarks.report_case import DIGEST_AT

WHEN = datetime(2027, 1, 1, 12, 30, tzinfo=UTC)


def _votes_in_digest_period(url: str, campaign_id: int) -> int:
    db = Database(url)
    try:
        with db.transaction() as session:
            return int(
                session.scalar(
                    select(func.count(Vote.id))
                    .join(Idea, Idea.id == Vote.idea_id)
                    .where(
                        Idea.campaign_id == campaign_id,
                        Vote.created_at >= DIGEST_AT - timedelta(days=1),
                        Vote.created_at < DIGEST_AT,
                    )
                )
                or 0
            )
    finally:
        db.dispose()


def _index_names(url: str) -> set[str]:
    db = Database(url)
    try:
        return {index["name"] or "" for index in inspect(db.engine).get_indexes("votes")}
    finally:
        db.dispose()


def test_scale_tiny_campaign(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "bench.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"

    result = scale.run_benchmark(
        backends=["sqlite"],
        vote_counts=[100],
        repeats=1,
        database_urls={"sqlite": url},
        progress=lambda message: None,
    )
    section = scale.render(result)

    cases = {case.operation: case for case in result.cases}
    indexed = [operation + scale.INDEX_SUFFIX for operation in scale.INDEX_OPERATIONS]
    assert list(cases) == [*scale.OPERATIONS, *indexed]
    assert cases["report"].counts["ideas"] == 10
    assert cases["report"].counts["votes"] == 100
    assert cases["report"].median_part("ranking") is not None
    assert cases["report"].median_part("participation") is not None
    assert cases["digest"].counts["votes"] == _votes_in_digest_period(url, 1)
    assert cases["export csv"].counts["comments"] == 10
    assert cases["export xlsx"].counts["ideas"] == 10
    for case in result.cases:
        assert case.seconds[0] > 0
        # A Python process with SQLAlchemy loaded takes well over 20 MB.
        assert case.peak_mb > 20
    assert section.startswith("## ")
    assert "| sqlite | 100 | 10 | report |" in section
    assert "| sqlite | 100 | 10 | export xlsx |" in section
    assert "| sqlite | 100 | 10 | report + proposed index |" in section
    assert "as fast with the index" in section
    assert ("sqlite", 100) in result.build_seconds
    assert scale.PROPOSED_INDEX not in _index_names(url)


def test_harness_keeps_sections_not_run() -> None:
    dispatch = harness.render_section(
        "dispatch", "## Dispatch\n\n| a |\n| --- |\n| 1 |\n", when=WHEN, command="first"
    )
    old_scale = harness.render_section("scale", "## Scale\n\nold table\n", when=WHEN, command="x")
    page = harness.render_page([dispatch, old_scale], machine="m", when=WHEN, command="first")

    kept_sections = harness.read_sections(page)
    new_scale = harness.render_section(
        "scale", "## Scale\n\nnew table\n", when=WHEN + timedelta(hours=1), command="second"
    )
    rewritten = harness.render_page(
        [kept_sections["dispatch"], new_scale], machine="m", when=WHEN, command="second"
    )

    assert kept_sections["dispatch"] == dispatch
    assert "_Figures from the run of 2027-01-01 12:30 UTC: `first`._" in rewritten
    assert "_Figures from the run of 2027-01-01 13:30 UTC: `second`._" in rewritten
    assert "new table" in rewritten
    assert "old table" not in rewritten
    assert harness.read_sections(rewritten)["scale"] == new_scale


def test_harness_rejects_section_without_heading() -> None:
    with pytest.raises(RuntimeError, match="does not start with '## '"):
        harness.render_section("scale", "Scale\n| a |\n", when=WHEN, command="x")


def test_harness_rejects_module_without_name() -> None:
    with pytest.raises(RuntimeError, match="has no NAME"):
        harness.load_module("campaign_data")


def test_main_only_quick_writes_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = tmp_path / "benchmarks.md"
    report.write_text(
        harness.render_page(
            [harness.render_section("dispatch", "## Kept\n\nkept table\n", when=WHEN, command="k")],
            machine="m",
            when=WHEN,
            command="k",
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(scale, "QUICK_VOTE_COUNTS", (100,))
    monkeypatch.setattr(scale, "OPERATIONS", ("report", "digest"))
    monkeypatch.setattr(scale, "INDEX_OPERATIONS", ())

    status = harness.main(["--only", "scale", "--quick", "--report", str(report)])

    page = report.read_text(encoding="utf-8")
    assert status == 0
    assert page.startswith("# Benchmarks\n")
    assert f"`python -m tests.benchmarks --only scale --quick --report {report}`" in page
    assert page.index("kept table") < page.index("## Scale of a campaign")
    assert "| sqlite | 100 | 10 | report |" in page
    assert "| postgresql | 100 | 10 | digest |" in page


def test_unwritable_report_rejected_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(harness, "load_module", lambda name: ran.append(name))

    with pytest.raises(SystemExit) as stopped:
        harness.main(["--only", "scale", "--report", str(tmp_path / "missing" / "page.md")])

    assert stopped.value.code == 2
    assert ran == []
    assert "is not a writable folder" in capsys.readouterr().err
