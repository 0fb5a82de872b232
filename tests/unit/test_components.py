"""Which loops and how many database connections each ``lanner server <component>`` gets."""

from __future__ import annotations

from typer.testing import CliRunner

from lanner.bootstrap import ALL_COMPONENTS, engine_options, pool_size
from lanner.cli.main import app
from lanner.settings import load_settings


def test_each_component_runs_only_its_loop() -> None:
    settings = load_settings(environ={})
    for component, flags in {
        "webserver": (False, False, False),
        "executor": (True, False, False),
        "worker": (False, True, False),
        "scheduler": (False, False, True),
    }.items():
        options = engine_options(settings, local=False, components=frozenset({component}))  # type: ignore[arg-type]
        assert (options.run_executor, options.run_worker, options.run_scheduler) == flags, component
    everything = engine_options(settings)
    assert (everything.run_executor, everything.run_worker, everything.run_scheduler) == (True, True, True)


def test_worker_settings_reach_the_engine() -> None:
    settings = load_settings(
        environ={"LANNER_WORKER_GROUPS": "gpu", "LANNER_WORKER_SHUTDOWN_GRACE": "7", "LANNER_WORKER_DEAD_AFTER": "9"}
    )
    options = engine_options(settings, local=False, components=frozenset({"worker"}))
    assert (options.worker_groups, options.worker_shutdown_grace, options.worker_dead_after) == (["gpu"], 7.0, 9.0)


def test_pools_are_sized_by_component_unless_set() -> None:
    settings = load_settings(environ={"LANNER_WORKER_THREADS": "32"})
    assert pool_size(settings, frozenset({"scheduler"})) == 2
    assert pool_size(settings, frozenset({"executor"})) == 5
    assert pool_size(settings, frozenset({"worker"})) == 5 + 32 // 8
    assert pool_size(settings, frozenset({"webserver"})) == 10
    assert pool_size(settings, ALL_COMPONENTS) == 10 + 32 // 8
    assert pool_size(load_settings(environ={"LANNER_DATABASE_POOL_SIZE": "3"}), frozenset({"webserver"})) == 3


def test_the_component_commands_and_worker_options_are_listed() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["server", "--help"], env={"COLUMNS": "200"})
    for command in ("webserver", "executor", "scheduler", "worker", "standalone", "local"):
        assert command in listing.output
    worker = runner.invoke(app, ["server", "worker", "--help"], env={"COLUMNS": "200"})
    assert "--threads" in worker.output and "--worker-group" in worker.output
