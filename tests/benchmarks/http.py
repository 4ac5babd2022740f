"""The name under which the harness runs the HTTP load benchmark of tests.benchmarks.http_load.

The harness imports tests.benchmarks.NAME, so `--only http` needs a module of
that name. It contains none of the benchmark's code.
"""

from tests.benchmarks.http_load import NAME, render, run

__all__ = ["NAME", "render", "run"]
