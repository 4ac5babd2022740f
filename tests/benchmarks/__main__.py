"""Run the export benchmark and write docs/benchmarks.md."""

from tests.benchmarks.harness import main

raise SystemExit(main())
