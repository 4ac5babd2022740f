"""The export benchmark: `make bench` or `python -m tests.benchmarks`; never collected by pytest."""
