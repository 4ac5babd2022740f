# Quick start: `make demo` runs the simulated campaign, `make test` the test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench load clean

# The stamp files reinstall only when pyproject.toml changes.
$(VENV)/.stamp-runtime: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.stamp-runtime $@

demo: $(VENV)/.stamp-runtime
	$(BIN)/staffvoice simulate

# Two worker processes: many tests wait on a local server or a clock, so two overlap well
# on a 2-core machine. Tests of one file stay on one worker.
test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest -n 2 --dist loadfile

# The benchmarks (tests/benchmarks): dispatch cost, the server over HTTP, the scale of a campaign
# up to 1,000,000 votes, Slack Web API calls and the fan-out of direct messages, on SQLite and on
# PostgreSQL at 127.0.0.1:5432. Writes docs/benchmarks.md. Options go in BENCH_ARGS, such as
# BENCH_ARGS="--only http --quick".
bench: $(VENV)/.stamp-dev
	$(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

# The load and fault test (tests/load): the bot in two processes on PostgreSQL at
# 127.0.0.1:5432, a 20-day campaign at 100 times real speed (4.8 hours), one process killed
# and restarted. Pass options with LOAD_ARGS, such as LOAD_ARGS="--speed 1440" (20 minutes).
load: $(VENV)/.stamp-dev
	$(BIN)/python -m tests.load $(LOAD_ARGS)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache *.egg-info
