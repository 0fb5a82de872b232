# Lanner developer commands. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# dbt gets its own environment (its pins conflict with the dev tools'); `dbt` is linked into $(BIN).
DBT_VENV := $(VENV)/dbt
DBT_STAMP := $(DBT_VENV)/.installed
export LANNER_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run test lint unit bench install postgres clean ui ui-test chromium

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

$(DBT_STAMP): requirements-dbt.lock $(STAMP)
	test -x $(DBT_VENV)/bin/python || $(PYTHON) -m venv $(DBT_VENV)
	$(DBT_VENV)/bin/pip install --quiet -c requirements-dbt.lock dbt-core dbt-duckdb dbt-postgres
	ln -sf ../dbt/bin/dbt $(BIN)/dbt
	touch $(DBT_STAMP)

install: $(STAMP) $(DBT_STAMP)

# The web UI (ui/, React + Vite) is built into the Python package, which serves it at /ui.
# Rebuilt only when its sources change; npm ci only when the lockfile changes.
UI_DIST := src/lanner/api/ui_dist
UI_STAMP := $(UI_DIST)/.built
UI_DEPS := ui/node_modules/.installed
UI_SOURCES := $(shell find ui/src ui/public -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json

$(UI_DEPS): ui/package.json ui/package-lock.json
	@scripts/require-node
	cd ui && npm ci --no-audit --no-fund --loglevel=error
	touch $(UI_DEPS)

$(UI_STAMP): $(UI_DEPS) $(UI_SOURCES)
	cd ui && npm run --silent build
	touch $(UI_STAMP)

ui: $(UI_STAMP)

ui-test: $(UI_DEPS)
	cd ui && npx vitest run

chromium:
	@scripts/ensure-chromium

run: install ui
	$(BIN)/lanner server local --flows examples

postgres:
	@scripts/ensure-postgres

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# in parallel processes (pytest-xdist); tests/conftest.py keeps the server and cluster tests in
# groups of their own. `TEST_PROCS=0 make test` runs everything in one process.
TEST_PROCS ?= 4
test: install postgres lint ui ui-test chromium
	$(BIN)/pytest -q -p no:cacheprovider -n $(TEST_PROCS)

unit: install
	$(BIN)/pytest -q tests/unit

bench: install postgres
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .lanner .mypy_cache .ruff_cache ui/node_modules $(UI_DIST)
