"""Scale of a campaign: the closing report, the daily digest and the exports, by campaign size.

Campaigns of 10,000, 100,000 and 1,000,000 votes, with a tenth as many ideas
and comments, are bulk-inserted (tests.benchmarks.campaign_data) on SQLite and
on PostgreSQL. Each operation then runs REPEATS times, each time in a child
process that reports its own peak resident set size, so memory allocated by C
code such as the database drivers counts too.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.database import Database
from tests.benchmarks.campaign_data import build_campaign
from tests.benchmarks.harness import scratch_database

NAME = "scale"
VOTE_COUNTS = (10_000, 100_000, 1_000_000)
QUICK_VOTE_COUNTS = (10_000,)
BACKENDS = ("sqlite", "postgresql")
# The closing report as the close builds it, the digest job's counts, and the two export formats.
OPERATIONS = ("report", "digest", "export csv", "export xlsx")
# An index the benchmark creates in its own database only, after the operations
# above, to measure the report and the digest with it. It is not in the product's
# migrations: it covers every column the report's and digest's vote queries
# read, so SQLite reads them from the index alone, without the table.
PROPOSED_INDEX = "bench_proposed_votes_covering"
PROPOSED_INDEX_SQL = (
    f"CREATE INDEX {PROPOSED_INDEX} ON votes (idea_id, platform, team_id, user_id, created_at)"
)
INDEX_OPERATIONS = ("report", "digest")
INDEX_SUFFIX = " + proposed index"
REPEATS = 3
QUICK_REPEATS = 1
CASE_TIMEOUT_SECONDS = 600
ROOT = Path(__file__).resolve().parents[2]

# Targets at 1,000,000 votes, per operation: (seconds, peak megabytes). The
# digest has no target of its own.
TARGETS: dict[str, tuple[float, float]] = {
    "report": (2, 300),
    "export csv": (60, 300),
    "export xlsx": (60, 300),
}


@dataclass(frozen=True)
class CaseResult:
    """The runs of one operation on one campaign: a backend, a size and an operation."""

    backend: str
    votes: int
    operation: str
    seconds: tuple[float, ...]
    peak_kb: tuple[int, ...]
    # Counts the operation reported, such as the ideas it exported or ranked.
    counts: dict[str, int]
    # Seconds of named parts of one run, per run, such as the report's ranking.
    parts: tuple[dict[str, float], ...] = ()

    @property
    def median_seconds(self) -> float:
        """Return the median time of the runs in seconds."""
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        """Return the largest peak resident set size of the runs, in megabytes (2**20 bytes)."""
        return max(self.peak_kb) / 1024

    def median_part(self, name: str) -> float | None:
        """Return the median seconds of one named part, or None when no run timed it."""
        values = [part[name] for part in self.parts if name in part]
        return statistics.median(values) if values else None


@dataclass(frozen=True)
class ScaleResult:
    """Every case of the benchmark, and how long building each campaign took."""

    cases: list[CaseResult]
    build_seconds: dict[tuple[str, int], float] = field(default_factory=dict)
    repeats: int = REPEATS


def run_operation(
    database_url: str, campaign_id: int, operation: str, out_dir: Path
) -> dict[str, Any]:
    """Run one operation on a campaign in a child process and return what it measured."""
    if operation.startswith("export "):
        export_format = operation.removeprefix("export ")
        command = ["tests.benchmarks.export_case", database_url, str(campaign_id)]
        command += [export_format, str(out_dir)]
    else:
        command = ["tests.benchmarks.report_case", database_url, str(campaign_id), operation]
    completed = subprocess.run(
        [sys.executable, "-m", *command],
        capture_output=True,
        text=True,
        timeout=CASE_TIMEOUT_SECONDS,
        cwd=ROOT,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"the {operation} of campaign {campaign_id} failed with exit code "
            f"{completed.returncode}:\n{completed.stderr}"
        )
    measured: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return measured


def run_benchmark(
    *,
    backends: Sequence[str] = BACKENDS,
    vote_counts: Sequence[int] = VOTE_COUNTS,
    operations: Sequence[str] = OPERATIONS,
    index_operations: Sequence[str] = INDEX_OPERATIONS,
    repeats: int = REPEATS,
    database_urls: dict[str, str] | None = None,
    progress: Callable[[str], None] = print,
) -> ScaleResult:
    """Build a campaign of each size on each backend and measure each operation on it.

    database_urls maps a backend to an empty, migrated database to use instead of a new one.
    The index_operations run again with PROPOSED_INDEX, created for them and dropped after.
    """
    result = ScaleResult(cases=[], repeats=repeats)
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="staffvoice-bench-") as folder_name:
            folder = Path(folder_name)
            with _database(backend, folder, database_urls) as url:
                for votes in vote_counts:
                    campaign_id = _build(
                        url, backend=backend, votes=votes, result=result, progress=progress
                    )
                    for operation in operations:
                        result.cases.append(
                            _measure(
                                url,
                                campaign_id,
                                backend=backend,
                                votes=votes,
                                operation=operation,
                                repeats=repeats,
                                out_dir=folder / f"out-{votes}",
                                progress=progress,
                            )
                        )
                    if not index_operations:
                        continue
                    with _proposed_index(url):
                        for operation in index_operations:
                            result.cases.append(
                                _measure(
                                    url,
                                    campaign_id,
                                    backend=backend,
                                    votes=votes,
                                    operation=operation,
                                    label=operation + INDEX_SUFFIX,
                                    repeats=repeats,
                                    out_dir=folder / f"out-{votes}",
                                    progress=progress,
                                )
                            )
    return result


def run(*, quick: bool, progress: Callable[[str], None]) -> ScaleResult:
    """Run the benchmark: every size and backend, or with quick the smallest size once."""
    return run_benchmark(
        vote_counts=QUICK_VOTE_COUNTS if quick else VOTE_COUNTS,
        operations=OPERATIONS,
        index_operations=INDEX_OPERATIONS,
        repeats=QUICK_REPEATS if quick else REPEATS,
        progress=progress,
    )


def _build(
    url: str, *, backend: str, votes: int, result: ScaleResult, progress: Callable[[str], None]
) -> int:
    db = Database(url)
    try:
        progress(f"{backend}: building a campaign of {votes:,} votes")
        started = time.perf_counter()
        campaign_id = build_campaign(db, votes=votes, progress=progress)
        result.build_seconds[(backend, votes)] = time.perf_counter() - started
        if backend == "postgresql":
            # Autovacuum vacuums and analyzes a table as rows are inserted over a real
            # campaign. Straight after a bulk insert, without VACUUM, the 1,000,000-vote
            # report took 5.0 s against 3.1 s once vacuumed (docs/benchmarks.md).
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
    finally:
        db.dispose()
    return campaign_id


@contextmanager
def _proposed_index(url: str) -> Iterator[None]:
    db = Database(url)
    try:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(PROPOSED_INDEX_SQL)
            if db.engine.dialect.name == "postgresql":
                connection.exec_driver_sql("ANALYZE votes")
        yield
    finally:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PROPOSED_INDEX}")
        db.dispose()


@contextmanager
def _database(backend: str, folder: Path, urls: dict[str, str] | None) -> Iterator[str]:
    if urls and backend in urls:
        yield urls[backend]
        return
    with scratch_database(backend, folder) as url:
        yield url


def _measure(
    url: str,
    campaign_id: int,
    *,
    backend: str,
    votes: int,
    operation: str,
    repeats: int,
    out_dir: Path,
    progress: Callable[[str], None],
    label: str | None = None,
) -> CaseResult:
    label = label or operation
    seconds: list[float] = []
    peaks: list[int] = []
    parts: list[dict[str, float]] = []
    counts: dict[str, int] = {}
    for number in range(1, repeats + 1):
        measured = run_operation(url, campaign_id, operation, out_dir)
        seconds.append(float(measured["seconds"]))
        peaks.append(int(measured["peak_kb"]))
        parts.append({key: float(value) for key, value in measured.get("parts", {}).items()})
        counts = {key: int(value) for key, value in measured.get("counts", {}).items()}
        # The export case names its counts "rows".
        counts.update({key: int(value) for key, value in measured.get("rows", {}).items()})
        progress(
            f"{backend}: {votes:,} votes, {label} run {number} of {repeats}: "
            f"{seconds[-1]:.2f} s, peak {peaks[-1] / 1024:.0f} MB"
        )
    shutil.rmtree(out_dir, ignore_errors=True)
    return CaseResult(
        backend=backend,
        votes=votes,
        operation=label,
        seconds=tuple(seconds),
        peak_kb=tuple(peaks),
        counts=counts,
        parts=tuple(parts),
    )


def _growth(result: ScaleResult, case: CaseResult) -> str:
    """Return the median time over that of the next smaller campaign of the same case, or "-"."""
    smaller = [
        other
        for other in result.cases
        if other.backend == case.backend
        and other.operation == case.operation
        and other.votes < case.votes
    ]
    if not smaller:
        return "-"
    previous = max(smaller, key=lambda other: other.votes)
    if previous.median_seconds <= 0:
        return "-"
    return f"{case.median_seconds / previous.median_seconds:.1f}x"


def _find(result: ScaleResult, case: CaseResult, operation: str) -> CaseResult | None:
    """Return the case of the same backend and size as case, for another operation."""
    for other in result.cases:
        if other.backend == case.backend and other.votes == case.votes:
            if other.operation == operation:
                return other
    return None


def _verdict(case: CaseResult) -> str | None:
    target = TARGETS.get(case.operation.removesuffix(INDEX_SUFFIX))
    if target is None or case.votes != max(VOTE_COUNTS):
        return None
    seconds, megabytes = target
    misses = []
    if case.median_seconds >= seconds:
        misses.append(f"time by {case.median_seconds - seconds:.1f} s")
    if case.peak_mb >= megabytes:
        misses.append(f"memory by {case.peak_mb - megabytes:.0f} MB")
    goal = f"under {seconds:g} s and {megabytes:g} MB"
    if misses:
        return f"- {case.backend}, {case.operation}: misses {goal}: {', '.join(misses)}."
    return f"- {case.backend}, {case.operation}: meets {goal}."


def render(result: ScaleResult) -> str:
    """Return the section: a table of every case, the targets at 1,000,000 votes and build times."""
    lines = [
        "## Scale of a campaign: closing report, daily digest and export",
        "",
        "Campaigns built by bulk inserts, with ideas a tenth of the votes and as many",
        "comments as ideas, voted by 3,000 people. Each operation runs in a process of",
        "its own, and its peak resident set size (ru_maxrss, which includes the",
        "interpreter and C libraries) is the memory figure. Times are the median of",
        f"{result.repeats} run(s), memory the largest peak of the runs, and growth the",
        "median over that of the campaign ten times smaller in the same run.",
        "",
        "- report: the closing report as the close builds it (bot.core.delivery.final_report):",
        "  the campaign's activity per 15-minute bucket read once (activity), the fair",
        "  ranking (campaign_report, ranking), then the participation report",
        "  (participation), both given that activity. The first run stores the",
        "  campaign's headcounts, and later runs read them.",
        "- digest: one day's digest (build_digest) on day 10, about a twentieth of the votes.",
        "- export csv and export xlsx: `staffvoice export` of the whole campaign.",
        f"- `{INDEX_SUFFIX.strip()}`: the same, with an index on votes created in the",
        "  benchmark database only (below).",
        "",
        "| Database | Votes | Ideas | Operation | Median s | Runs (s) | Growth | Peak MB |"
        " Parts (median s) |",
        "| --- | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |",
    ]
    for case in result.cases:
        runs = ", ".join(f"{value:.2f}" for value in case.seconds)
        part_names = sorted({name for part in case.parts for name in part})
        parts = ", ".join(f"{name} {case.median_part(name):.2f}" for name in part_names) or "-"
        ideas = case.counts.get("ideas")
        lines.append(
            f"| {case.backend} | {case.votes:,} | "
            f"{f'{ideas:,}' if ideas is not None else f'{max(case.votes // 10, 1):,}'} | "
            f"{case.operation} | {case.median_seconds:.2f} | {runs} | {_growth(result, case)} | "
            f"{case.peak_mb:.0f} | {parts} |"
        )
    with_index = [
        f"- {case.backend}, {case.votes:,} votes, {case.operation.removesuffix(INDEX_SUFFIX)}: "
        f"{without.median_seconds / case.median_seconds:.2f}x as fast with the index"
        for case in result.cases
        if case.operation.endswith(INDEX_SUFFIX)
        and (without := _find(result, case, case.operation.removesuffix(INDEX_SUFFIX)))
        and case.median_seconds > 0
    ]
    if with_index:
        lines += [
            "",
            f"The proposed index, created in the benchmark database only (`{PROPOSED_INDEX_SQL}`),",
            "then dropped; the product's migrations do not have it. Median without over with:",
            "",
            *with_index,
        ]
    verdicts = [verdict for case in result.cases if (verdict := _verdict(case))]
    if verdicts:
        lines += ["", "Targets at 1,000,000 votes:", "", *verdicts]
    if result.build_seconds:
        lines += ["", "Building the campaigns (bulk inserts, not part of any timing above):", ""]
        lines += [
            f"- {backend}, {votes:,} votes: {seconds:.0f} s"
            for (backend, votes), seconds in result.build_seconds.items()
        ]
    return "\n".join(lines) + "\n"
