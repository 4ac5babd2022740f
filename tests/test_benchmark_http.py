"""The HTTP load benchmark on a two-second run, so `make bench` is known to measure it."""

from __future__ import annotations

from pathlib import Path

from tests.benchmarks import harness, http_load
from tests.benchmarks.http_traffic import KINDS, plan_kinds

SECONDS = 2.0


def test_http_load_short_run_on_sqlite(tmp_path: Path) -> None:
    messages: list[str] = []

    with harness.scratch_database("sqlite", tmp_path) as url:
        run = http_load.run_backend(
            "sqlite", url, seconds=SECONDS, ideas=5, progress=messages.append
        )

    assert run.sent == round(SECONDS * http_load.TARGET_RATE)
    assert run.errors == 0, run.error_names
    assert [kind.kind for kind in run.kinds] == list(KINDS)
    for kind in run.kinds:
        assert kind.sent > 0, kind.kind
        assert kind.stored == kind.sent, kind.kind
    assert run.totals_equal
    assert run.settle_seconds is not None
    assert min(run.latencies) > 0
    assert any("sending" in message for message in messages)

    section = http_load.render(http_load.HttpLoadResult((run,)))

    assert section.startswith("## ")
    assert "| sqlite | reaction_removed |" in section
    assert "- sqlite: p99 under 250 ms" in section


def test_plan_kinds_follows_mix() -> None:
    kinds = plan_kinds(1000, seed=1)

    assert len(kinds) == 1000
    assert kinds.count("reaction_added") == 580
    assert kinds.count("idea") == 50
    assert kinds != sorted(kinds)
