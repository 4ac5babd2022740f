"""The results table of a load run, printed and kept as the load section of docs/benchmarks.md."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from tests.benchmarks.harness import (
    machine_description,
    read_sections,
    render_page,
    render_section,
)
from tests.load.run import LoadOptions, LoadResult
from tests.load.timeline import SECONDS_PER_DAY

SECTION_NAME = "load"
_MACHINE_LINE = re.compile(r"^- Machine: (?P<machine>.+)$", re.MULTILINE)
_LATEST_LINE = re.compile(
    r"^- Latest run: (?P<when>\d{4}-\d\d-\d\d \d\d:\d\d) UTC, `(?P<command>[^`]+)`$", re.MULTILINE
)


def verdict(ok: bool | None) -> str:
    """Return the table's word for a check's outcome."""
    if ok is None:
        return "figure"
    return "OK" if ok else "FAILED"


DEFAULT_SPEED = LoadOptions().speed


def render(result: LoadResult) -> str:
    """Return the markdown section of a run: what ran, then one row per check."""
    options = result.options
    kill = (
        f"Process 2 was killed with SIGKILL at campaign day {options.kill_at_day:.2f} and started "
        f"again {options.restart_after_seconds:.0f} s later"
        if options.kill_at_day is not None
        else "No process was killed"
    )
    lines = [
        "## Load and fault test",
        "",
        f"The real bot (`staffvoice run`) in {result.processes} processes on PostgreSQL behind "
        f"a round-robin proxy, with a 20-day campaign's traffic at {options.speed:g} times real "
        f"speed (one campaign day every {SECONDS_PER_DAY / options.speed:.0f} s): "
        f"{options.staff:,} staff, {result.participants:,} taking part, {result.actions:,} "
        f"planned actions, and a manager answering ideas with a status. {kill}. "
        f"The run took {result.seconds / 60:.1f} minutes."
        + (
            ""
            if options.speed == DEFAULT_SPEED
            else f" The default speed, {DEFAULT_SPEED:g} times, runs the same traffic in "
            f"{20 / DEFAULT_SPEED * 24:.1f} hours and was not the speed of this run."
        ),
        "",
        "| Check | Result | Verdict |",
        "|---|---|---|",
    ]
    for row in result.rows:
        lines.append(f"| {row.name} | {row.result.replace('|', '/')} | {verdict(row.ok)} |")
    for problem in result.problems:
        lines.append(f"| Run stopped early | {problem.replace('|', '/')} | FAILED |")
    lines += [
        "",
        "The processes are started at the same moment on the new database. A direct message that "
        "the killed process had claimed is sent by another process only once the outbox's "
        "5-minute claim has expired, so the wait for an empty outbox can take that long.",
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, rendered: str, *, when: datetime, command: str) -> None:
    """Put the load section into the page at path, keeping every other section and the header."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    sections = read_sections(text)
    sections[SECTION_NAME] = render_section(
        SECTION_NAME, rendered, when=when, command=command, machine=machine_description()
    )
    # The header describes the latest `make bench` run, so it is kept as it is when present.
    machine_match = _MACHINE_LINE.search(text)
    latest_match = _LATEST_LINE.search(text)
    machine = machine_match["machine"] if machine_match else machine_description()
    header_when, header_command = when, command
    if latest_match:
        header_when = datetime.strptime(latest_match["when"], "%Y-%m-%d %H:%M")
        header_command = latest_match["command"]
    path.write_text(
        render_page(
            list(sections.values()), machine=machine, when=header_when, command=header_command
        ),
        encoding="utf-8",
    )
