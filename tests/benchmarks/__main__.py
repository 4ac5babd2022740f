"""Run the benchmarks with `python -m tests.benchmarks` and write docs/benchmarks.md."""

from tests.benchmarks.harness import main

raise SystemExit(main())
