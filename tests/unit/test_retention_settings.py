"""Retention settings: ISO-8601 durations from the file or LANNER_RETENTION_*, off by default."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lanner.bootstrap import engine_options
from lanner.errors import ConfigError
from lanner.settings import load_settings


def test_retention_is_off_by_default() -> None:
    options = engine_options(load_settings(environ={})).scheduler.retention
    assert not options.enabled


def test_retention_from_environment_reaches_the_scheduler() -> None:
    environ = {"LANNER_RETENTION_EXECUTIONS": "P30D", "LANNER_RETENTION_LOGS": "PT12H", "LANNER_RETENTION_BATCH": "50"}
    options = engine_options(load_settings(environ=environ)).scheduler.retention
    assert options.enabled
    assert options.executions == timedelta(days=30)
    assert options.logs == timedelta(hours=12)
    assert options.batch == 50
    assert options.interval == timedelta(hours=1)


@pytest.mark.parametrize("value", ["soon", "-P1D", "PT0S"])
def test_bad_retention_is_a_clear_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match=r"retention\.executions"):
        load_settings(environ={"LANNER_RETENTION_EXECUTIONS": value})
