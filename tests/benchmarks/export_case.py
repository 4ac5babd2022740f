"""One export in a process of its own, which prints its time and its own peak memory.

Usage: python -m tests.benchmarks.export_case DATABASE_URL CAMPAIGN_ID FORMAT OUT_DIR
It prints one JSON object on stdout: the export's wall time in seconds, the
process's peak resident set size in kilobytes, and the rows of each table.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.export import export_campaign
from storage.database import Database


def main(argv: list[str]) -> int:
    database_url, campaign_id, export_format, out_dir = argv
    db = Database(database_url)
    started = time.perf_counter()
    result = export_campaign(
        db,
        int(campaign_id),
        export_format=export_format,
        out_dir=Path(out_dir),
        timezone=ZoneInfo("Europe/London"),
        now=datetime.now(UTC),
        min_group_size=11,
        actor="cli",
        force=True,
        progress=lambda title, written, total: print(
            f"{title}: {written:,} of {total:,} rows", file=sys.stderr, flush=True
        ),
    )
    seconds = time.perf_counter() - started
    db.dispose()
    # On Linux ru_maxrss is in kilobytes: the high-water mark of the whole process.
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_kb": peak_kb, "rows": result.row_counts}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
