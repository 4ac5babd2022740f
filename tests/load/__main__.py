"""Run the load and fault test with `python -m tests.load` and record it in docs/benchmarks.md."""

from tests.load.cli import main

raise SystemExit(main())
