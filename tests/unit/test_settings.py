from __future__ import annotations

from pathlib import Path

import pytest

from lanner.errors import ConfigError
from lanner.settings import load_settings


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "lanner.yml"
    config.write_text("server:\n  port: 9000\nworker:\n  threads: 4\n")
    settings = load_settings(config, environ={"LANNER_WORKER_THREADS": "8", "LANNER_DATABASE_URL": "postgresql://x/y"})
    assert settings.server.port == 9000
    assert settings.worker.threads == 8
    assert settings.resolved_database_url() == "postgresql://x/y"


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=tmp_path)
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path.resolve() / 'lanner.db'}"


def test_invalid_values_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.port"):
        load_settings(environ={"LANNER_SERVER_PORT": "not-a-port"})
    bad = tmp_path / "bad.yml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(bad, environ={})
