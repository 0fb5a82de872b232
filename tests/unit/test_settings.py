from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from lanner.bootstrap import engine_options
from lanner.errors import ConfigError
from lanner.settings import Settings, load_settings


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


def test_scheduler_webhook_and_server_options_from_variables() -> None:
    settings = load_settings(
        environ={
            "LANNER_SCHEDULER_POLL": "0.25",
            "LANNER_SCHEDULER_RECOVER_MISSED_SCHEDULES": "LAST",
            "LANNER_SCHEDULER_LATE_AFTER": "120",
            "LANNER_SCHEDULER_EVENT_BATCH": "50",
            "LANNER_SCHEDULER_ENABLED": "false",
            "LANNER_WEBHOOK_MAX_BODY": "1024",
            "LANNER_WEBHOOK_WAIT_TIMEOUT": "30",
            "LANNER_SERVER_SHUTDOWN_TIMEOUT": "2",
            "LANNER_EXECUTOR_BATCH_SIZE": "16",
        }
    )
    assert settings.scheduler.poll == 0.25
    assert settings.scheduler.recover_missed_schedules == "LAST"
    assert settings.scheduler.event_batch == 50
    assert settings.scheduler.enabled is False
    assert (settings.webhook.max_body, settings.webhook.wait_timeout) == (1024, 30.0)
    assert settings.server.shutdown_timeout == 2
    assert settings.executor.batch_size == 16


def test_defaults_of_the_new_sections() -> None:
    settings = load_settings(environ={})
    assert settings.scheduler.enabled and settings.scheduler.recover_missed_schedules == "ALL"
    assert settings.webhook.max_body == 10 * 1024 * 1024
    assert settings.server.shutdown_timeout == 5


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("LANNER_SCHEDULER_RECOVER_MISSED_SCHEDULES", "SOME", "scheduler.recover_missed_schedules"),
        ("LANNER_SCHEDULER_POLL", "0", "scheduler.poll"),
        ("LANNER_WEBHOOK_MAX_BODY", "-1", "webhook.max_body"),
        ("LANNER_SERVER_SHUTDOWN_TIMEOUT", "soon", "server.shutdown_timeout"),
    ],
)
def test_bad_scheduler_and_webhook_values_name_the_key(variable: str, value: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(environ={variable: value})


def test_engine_options_follow_the_settings(tmp_path: Path) -> None:
    config = tmp_path / "lanner.yml"
    config.write_text(
        "worker:\n  threads: 3\n  groups: [gpu]\nexecutor:\n  batch_size: 7\n"
        "scheduler:\n  poll: 0.5\n  recover_missed_schedules: NONE\n  late_after: 30\n  batch: 9\n"
        "  event_batch: 11\n  poll_lock: 60\n"
    )
    settings = load_settings(config, environ={}, data_dir=tmp_path)

    options = engine_options(settings, local=False)

    assert (options.worker_threads, options.worker_groups, options.executor_batch) == (3, ["gpu"], 7)
    assert options.local is False and options.run_scheduler is True
    scheduler = options.scheduler
    assert (scheduler.poll, scheduler.recover_missed_schedules, scheduler.batch, scheduler.event_batch) == (0.5, "NONE", 9, 11)
    assert scheduler.late_after == timedelta(seconds=30)
    assert scheduler.poll_lock == timedelta(minutes=1)
    assert options.work_root == settings.work_dir()
    assert engine_options(settings).local is True


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += _keys(annotation, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def test_every_setting_is_documented_with_its_variable() -> None:
    documented = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    missing = [
        key
        for key in _keys(Settings)
        if f"`{key}`" not in documented or f"`LANNER_{key.replace('.', '_').upper()}`" not in documented
    ]
    assert missing == []


def test_the_documented_yaml_example_is_valid(tmp_path: Path) -> None:
    documented = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    example = documented.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = tmp_path / "lanner.yml"
    config.write_text(example)
    settings = load_settings(config, environ={})
    assert settings.scheduler.recover_missed_schedules == "LAST"
