"""The export benchmark: build large campaigns, export them as CSV and XLSX, record time and memory.

Each export runs in a child process (tests.benchmarks.export_case), which
reports its own peak resident set size, so memory allocated by C code such
as the database drivers counts too. The median of REPEATS runs is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from storage.database import Database
from storage.migrate import upgrade
from tests.benchmarks.campaign_data import build_campaign

VOTE_COUNTS = (10_000, 100_000, 1_000_000)
BACKENDS = ("sqlite", "postgresql")
FORMATS = ("csv", "xlsx")
REPEATS = 3
POSTGRES_ADMIN_URL = os.environ.get(
    "STAFFVOICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPORT_PATH = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
# The goal for 1,000,000 votes and 100,000 ideas.
TARGET_SECONDS = 60
TARGET_PEAK_MB = 300
CASE_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class CaseResult:
    """The runs of one export: a backend, a campaign size and a format."""

    backend: str
    votes: int
    export_format: str
    build_seconds: float
    seconds: tuple[float, ...]
    peak_kb: tuple[int, ...]
    rows: dict[str, int]

    @property
    def median_seconds(self) -> float:
        """Return the median export time in seconds."""
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        """Return the largest peak resident set size of the runs, in megabytes (2**20 bytes)."""
        return max(self.peak_kb) / 1024


def run_case(
    database_url: str, campaign_id: int, export_format: str, out_dir: Path
) -> tuple[float, int, dict[str, int]]:
    """Export one campaign in a child process; return its seconds, peak kilobytes and row counts."""
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.benchmarks.export_case",
            database_url,
            str(campaign_id),
            export_format,
            str(out_dir),
        ],
        capture_output=True,
        text=True,
        timeout=CASE_TIMEOUT_SECONDS,
        cwd=Path(__file__).resolve().parents[2],
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"the {export_format} export of campaign {campaign_id} failed with exit code "
            f"{completed.returncode}:\n{completed.stderr}"
        )
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    return float(measured["seconds"]), int(measured["peak_kb"]), dict(measured["rows"])


@contextmanager
def scratch_database(backend: str, folder: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated database, removed afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        yield url
        return
    name = f"staffvoice_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run_benchmark(
    *,
    backends: Sequence[str] = BACKENDS,
    vote_counts: Sequence[int] = VOTE_COUNTS,
    formats: Sequence[str] = FORMATS,
    repeats: int = REPEATS,
    database_urls: dict[str, str] | None = None,
    progress: Callable[[str], None] = print,
) -> list[CaseResult]:
    """Build a campaign of each size on each backend and time each export format.

    database_urls maps a backend to an empty, migrated database to use instead of a new one.
    """
    results: list[CaseResult] = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="staffvoice-bench-") as folder_name:
            folder = Path(folder_name)
            with _database(backend, folder, database_urls) as url:
                db = Database(url)
                try:
                    for votes in vote_counts:
                        progress(f"{backend}: building a campaign of {votes:,} votes")
                        started = time.perf_counter()
                        campaign_id = build_campaign(db, votes=votes, progress=progress)
                        build_seconds = time.perf_counter() - started
                        if backend == "postgresql":
                            with db.engine.connect() as connection:
                                connection.exec_driver_sql("ANALYZE")
                        for export_format in formats:
                            results.append(
                                _measure(
                                    url,
                                    campaign_id,
                                    backend=backend,
                                    votes=votes,
                                    export_format=export_format,
                                    build_seconds=build_seconds,
                                    repeats=repeats,
                                    out_dir=folder / f"out-{votes}-{export_format}",
                                    progress=progress,
                                )
                            )
                finally:
                    db.dispose()
    return results


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
    export_format: str,
    build_seconds: float,
    repeats: int,
    out_dir: Path,
    progress: Callable[[str], None],
) -> CaseResult:
    seconds: list[float] = []
    peaks: list[int] = []
    rows: dict[str, int] = {}
    for run in range(1, repeats + 1):
        elapsed, peak_kb, rows = run_case(url, campaign_id, export_format, out_dir)
        seconds.append(elapsed)
        peaks.append(peak_kb)
        progress(
            f"{backend}: {votes:,} votes, {export_format} run {run} of {repeats}: "
            f"{elapsed:.1f} s, peak {peak_kb / 1024:.0f} MB"
        )
    shutil.rmtree(out_dir, ignore_errors=True)
    return CaseResult(
        backend=backend,
        votes=votes,
        export_format=export_format,
        build_seconds=build_seconds,
        seconds=tuple(seconds),
        peak_kb=tuple(peaks),
        rows=rows,
    )


def machine_description() -> str:
    """Describe the CPU, core count, memory and software the benchmark ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                memory = f", {int(line.split()[1]) / 1024 / 1024:.0f} GB memory"
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}"
    )


def render_report(
    results: Sequence[CaseResult], *, machine: str, when: datetime, command: str
) -> str:
    """Return docs/benchmarks.md: the machine, date, command and a table of the results."""
    lines = [
        "# Export benchmark",
        "",
        "Time and peak memory of `staffvoice export` on campaigns built by bulk inserts,",
        "with ideas a tenth of the votes and as many comments as ideas. Each export runs",
        "in a process of its own, and its peak resident set size (ru_maxrss, which",
        "includes the interpreter and C libraries) is the memory figure. Times are the",
        "median of the runs, and memory the largest peak of the runs.",
        "",
        f"- Machine: {machine}",
        f"- Date: {when:%Y-%m-%d %H:%M} UTC",
        f"- Command: `{command}` (`make bench` runs `python -m tests.benchmarks`)",
        f"- Goal: 100,000 ideas and 1,000,000 votes in under {TARGET_SECONDS} s with peak "
        f"memory under {TARGET_PEAK_MB} MB",
        "",
        "| Database | Votes | Ideas | Comments | Format | Median s | Runs (s) | Peak MB |",
        "| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |",
    ]
    for result in results:
        runs = ", ".join(f"{value:.1f}" for value in result.seconds)
        lines.append(
            f"| {result.backend} | {result.votes:,} | {result.rows.get('ideas', 0):,} | "
            f"{result.rows.get('comments', 0):,} | {result.export_format} | "
            f"{result.median_seconds:.1f} | {runs} | {result.peak_mb:.0f} |"
        )
    verdicts = [
        f"- {result.backend}, {result.export_format}: "
        f"{'meets' if _meets_goal(result) else 'misses'} the goal at 1,000,000 votes."
        for result in results
        if result.votes == max(VOTE_COUNTS)
    ]
    if verdicts:
        lines += ["", *verdicts]
    lines += [
        "",
        "Building the campaigns (bulk inserts, not timed as part of the export):",
        "",
    ]
    seen: set[tuple[str, int]] = set()
    for result in results:
        if (result.backend, result.votes) in seen:
            continue
        seen.add((result.backend, result.votes))
        lines.append(f"- {result.backend}, {result.votes:,} votes: {result.build_seconds:.0f} s")
    return "\n".join(lines) + "\n"


def _meets_goal(result: CaseResult) -> bool:
    return result.median_seconds < TARGET_SECONDS and result.peak_mb < TARGET_PEAK_MB


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument(
        "--votes", type=int, action="append", help="campaign size in votes (repeatable)"
    )
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="database")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per export")
    parser.add_argument(
        "--report", type=Path, default=REPORT_PATH, help="where to write the Markdown table"
    )
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(arguments)
    command = " ".join(["python -m tests.benchmarks", *arguments])
    when = datetime.now(UTC)
    results = run_benchmark(
        backends=args.backend or BACKENDS,
        vote_counts=args.votes or VOTE_COUNTS,
        repeats=args.repeats,
        progress=lambda message: print(message, flush=True),
    )
    args.report.write_text(
        render_report(results, machine=machine_description(), when=when, command=command),
        encoding="utf-8",
    )
    print(f"Wrote {args.report}")
    return 0
