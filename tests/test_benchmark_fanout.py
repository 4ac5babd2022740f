"""The fan-out benchmark on a tiny case, so `make bench` is known to measure it."""

from __future__ import annotations

from tests.benchmarks import fanout


def test_fanout_quick_run() -> None:
    messages: list[str] = []

    result = fanout.run(quick=True, progress=messages.append)

    staff = int(fanout.QUICK["staff"])
    assert result.staff == staff
    assert result.delivered == staff
    assert result.twice == 0
    assert result.missing == 0
    assert result.database_sent == staff
    assert staff // 2 <= result.killed_after < staff
    assert result.seconds >= result.minimum_seconds * 0.9
    assert messages

    section = fanout.render(result)

    assert section.startswith("## ")
    assert f"| {staff:,} |" in section
    assert "Every person messaged exactly once after the kill: yes." in section
