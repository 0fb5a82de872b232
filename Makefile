# Lanner developer commands. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export LANNER_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run test lint unit bench install postgres clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/lanner server local --flows examples

postgres:
	@scripts/ensure-postgres

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: install postgres lint
	$(BIN)/pytest -q -p no:cacheprovider

unit: install
	$(BIN)/pytest -q tests/unit

bench: install postgres
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .lanner .mypy_cache .ruff_cache
