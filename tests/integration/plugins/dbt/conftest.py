"""Fixtures of the dbt tests: a copy of the fixture project, and engines on SQLite only.

A dbt invocation takes seconds; what these tests check (the dbt task) does not depend on the
engine's backend, which the engine suites test on both. So the ``backend`` fixture is
narrowed to SQLite here; dbt itself runs against DuckDB and the real PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lanner.plugins.dbt.command_line import beside_python
from tests.conftest import Backend

FIXTURE = Path(__file__).parents[3] / "fixtures" / "dbt" / "shop"


@pytest.fixture(autouse=True)
def _dbt_installed() -> None:
    """dbt must be there (`make install` sets it up): skip without it locally, fail in CI."""
    path = os.environ.get("PATH", os.defpath)
    if shutil.which("dbt", path=path) is None and beside_python(path) is None:
        reason = "dbt is not installed (run `make install`)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(reason + "; CI is set: the dbt tests must run")
        pytest.skip(reason)


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    return Backend("sqlite", f"sqlite:///{tmp_path / 'lanner.db'}")


@pytest.fixture
def shop_project(tmp_path: Path) -> Path:
    """A fresh copy of tests/fixtures/dbt/shop (dbt writes target/ and logs into it)."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "shop"))


def duckdb_profile(path: Path) -> str:
    return f"shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {path}\n      threads: 1\n"
