"""Run the benchmark modules and write docs/benchmarks.md: one header, then a section per module.

A benchmark module under tests/benchmarks/ exposes NAME, run(*, quick, progress)
and render(result), which returns a markdown section starting with "## ". The
harness runs the modules in BENCHMARKS order, or those named with --only, and
writes each section under a line giving the run it came from. Sections of
modules not run this time are kept from the existing file, so a partial run
never drops figures, and each kept section still names its own run. A marked
section whose name is no module's, such as a hand-written record of an
optimisation's before and after figures, is kept as it is, after the others.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

import sqlalchemy as sa

from storage.migrate import upgrade

# The modules `python -m tests.benchmarks` runs, in order. A new benchmark
# module is added here once it exists under tests/benchmarks/.
BENCHMARKS: tuple[str, ...] = ("dispatch", "http", "scale", "slack_api", "fanout")
POSTGRES_ADMIN_URL = os.environ.get(
    "STAFFVOICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPORT_PATH = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
QUICK_REPORT_PATH = Path(tempfile.gettempdir()) / "staffvoice-benchmarks-quick.md"
# Each module's section is preceded by this marker, so a later partial run can find it.
_MARKER = re.compile(r"^<!-- benchmark: (?P<name>[a-z0-9_]+) -->$", re.MULTILINE)


class BenchmarkModule(Protocol):
    """What the harness needs from a benchmark module."""

    NAME: str

    def run(self, *, quick: bool, progress: Callable[[str], None]) -> Any: ...

    def render(self, result: Any) -> str: ...


@dataclass(frozen=True)
class Section:
    """One module's section of the page, with the line naming the run it came from."""

    name: str
    text: str


def load_module(name: str) -> BenchmarkModule:
    """Import tests.benchmarks.NAME and check that it has NAME, run and render."""
    module = importlib.import_module(f"tests.benchmarks.{name}")
    for attribute in ("NAME", "run", "render"):
        if not hasattr(module, attribute):
            raise RuntimeError(f"benchmark module tests.benchmarks.{name} has no {attribute}")
    if module.NAME != name:
        raise RuntimeError(f"tests.benchmarks.{name} sets NAME to {module.NAME!r}, not {name!r}")
    return cast(BenchmarkModule, module)


@contextmanager
def scratch_database(backend: str, folder: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated database, removed afterwards.

    SQLite databases are created in folder; PostgreSQL ones on the server of
    POSTGRES_ADMIN_URL under a random name.
    """
    if backend == "sqlite":
        url = f"sqlite:///{folder / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        yield url
        return
    if backend != "postgresql":
        raise ValueError(f"unknown database backend {backend!r}: use sqlite or postgresql")
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


def read_sections(text: str) -> dict[str, Section]:
    """Parse the module sections of an existing docs/benchmarks.md, by module name."""
    markers = list(_MARKER.finditer(text))
    sections: dict[str, Section] = {}
    for index, marker in enumerate(markers):
        end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        sections[marker["name"]] = Section(
            name=marker["name"], text=text[marker.end() : end].strip("\n")
        )
    return sections


def render_section(
    name: str, rendered: str, *, when: datetime, command: str, machine: str | None = None
) -> Section:
    """Put the line naming this run, and its machine if given, under the section's heading.

    Sections of the page can come from runs on different machines, and the page's
    header names only the latest run's.
    """
    if not rendered.startswith("## "):
        raise RuntimeError(f"the section of the {name} benchmark does not start with '## '")
    heading, _, rest = rendered.strip("\n").partition("\n")
    on = f" on {machine}" if machine else ""
    run = f"_Figures from the run of {when:%Y-%m-%d %H:%M} UTC{on}: `{command}`._"
    return Section(name=name, text=f"{heading}\n\n{run}\n\n{rest.strip(chr(10))}")


def render_page(sections: Sequence[Section], *, machine: str, when: datetime, command: str) -> str:
    """Return docs/benchmarks.md: the header, then each module's section."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m tests.benchmarks`). None of this runs in",
        "`make test`. The figures were taken on a shared machine with other work running,",
        "so compare medians and the ratios within one run rather than single timings.",
        "",
        f"- Machine: {machine}",
        f"- Latest run: {when:%Y-%m-%d %H:%M} UTC, `{command}`",
        "",
    ]
    for section in sections:
        lines += [f"<!-- benchmark: {section.name} -->", section.text, ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks from the command line and write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks",
        description="Run the benchmarks and write their figures to docs/benchmarks.md.",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only these benchmarks, in the standard order ({', '.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            "run the smallest cases with fewer repeats, to check that the harness works; "
            f"the page goes to {QUICK_REPORT_PATH} unless --report is given"
        ),
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help=f"the Markdown file to write (default {REPORT_PATH})",
    )
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(arguments)
    if args.report is None:
        # Quick figures must not replace the full ones in docs/benchmarks.md.
        args.report = QUICK_REPORT_PATH if args.quick else REPORT_PATH
    folder = args.report.resolve().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        parser.error(f"cannot write --report {args.report}: {folder} is not a writable folder")
    command = " ".join(["python -m tests.benchmarks", *arguments])
    when = datetime.now(UTC)
    chosen = [name for name in BENCHMARKS if not args.only or name in args.only]

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    existing = (
        read_sections(args.report.read_text(encoding="utf-8")) if args.report.exists() else {}
    )
    fresh: dict[str, Section] = {}
    for name in chosen:
        module = load_module(name)
        progress(f"Running the {name} benchmark")
        rendered = module.render(module.run(quick=args.quick, progress=progress))
        fresh[name] = render_section(
            name, rendered, when=when, command=command, machine=machine_description()
        )
    sections = [
        fresh.get(name) or existing[name]
        for name in BENCHMARKS
        if name in fresh or name in existing
    ]
    sections += [section for name, section in existing.items() if name not in BENCHMARKS]
    args.report.write_text(
        render_page(sections, machine=machine_description(), when=when, command=command),
        encoding="utf-8",
    )
    progress(f"Wrote {args.report}")
    return 0
