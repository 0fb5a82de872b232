"""dbt overhead (``make bench``): ``dbt build`` on the shop fixture run directly vs through a Lanner DbtCLI task.

Both sides build a fresh copy of ``tests/fixtures/dbt/shop`` into a fresh DuckDB file each run (so no
partial-parse cache helps either), with the same dbt executable Lanner's task would use. The Lanner
side is one flow with one ``io.kestra.plugin.dbt.cli.DbtCLI`` task, timed from submit to SUCCESS on
an in-process engine over a temporary SQLite store; the overhead is the difference of the medians.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from lanner.engine.engine import Engine, EngineOptions
from lanner.models.state import State
from lanner.storage.files import LocalFileStorage
from lanner.storage.sql import create_store

PROJECT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "dbt" / "shop"
TARGET = 10.0  # % overhead the issue asks for at most


def dbt_executable() -> str | None:
    """``dbt`` on PATH, else next to this Python (``.venv/bin/dbt``, linked from ``.venv/dbt``)."""
    found = shutil.which("dbt")
    beside = Path(sys.executable).parent / "dbt"
    return found or (str(beside) if beside.exists() else None)


def _profile(database: Path) -> str:
    return f"shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {database}\n      threads: 1\n"


def _fresh_project(tmp: Path, name: str) -> Path:
    target = tmp / name
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return target


def _direct(dbt: str, tmp: Path, index: int) -> float:
    project = _fresh_project(tmp, f"direct-{index}")
    profiles = tmp / f"profiles-{index}"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(_profile(tmp / f"direct-{index}.duckdb"))
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    started = time.perf_counter()
    subprocess.run(
        [dbt, "build", "--project-dir", str(project), "--profiles-dir", str(profiles)],
        check=True, env=env, stdout=subprocess.DEVNULL, cwd=project,
    )  # fmt: skip
    return time.perf_counter() - started


def _flow(project: Path, database: Path) -> str:
    profiles = textwrap.indent(_profile(database), " " * 6)
    return f"""id: dbt_bench
namespace: bench
tasks:
  - id: build
    type: io.kestra.plugin.dbt.cli.DbtCLI
    projectDir: {project}
    profiles: |
{profiles}    commands:
      - dbt build
"""


async def _through_lanner(engine: Engine, tmp: Path, index: int) -> float:
    await engine.deploy(_flow(_fresh_project(tmp, f"lanner-{index}"), tmp / f"lanner-{index}.duckdb"))
    started = time.perf_counter()
    execution = await engine.submit("bench", "dbt_bench")
    final = await engine.wait(execution.id, timeout=600, poll=0.05)
    elapsed = time.perf_counter() - started
    if final.execution.state != State.SUCCESS:
        errors = [a.error for run in final.task_runs for a in run.attempts]
        raise RuntimeError(f"the dbt flow ended {final.execution.state}: {errors}")
    return elapsed


async def bench_dbt(repeat: int = 3) -> dict[str, Any]:
    """Median seconds of ``dbt build`` direct and through Lanner, and the overhead in %; a note without dbt."""
    dbt = dbt_executable()
    if dbt is None:
        return {"skipped": "dbt is not installed (make install puts it in .venv/dbt)"}
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    with tempfile.TemporaryDirectory(prefix="lanner-bench-dbt-") as name:
        tmp = Path(name)
        _direct(dbt, tmp, -1)  # warm-up: Python imports and OS caches for both sides
        direct = [_direct(dbt, tmp, i) for i in range(repeat)]
        store = create_store(f"sqlite:///{tmp / 'bench.db'}")
        await store.migrate()
        engine = Engine(store, LocalFileStorage(tmp / "storage"), EngineOptions(work_root=tmp / "work", idle_poll=0.05))
        await engine.start()
        try:
            lanner = [await _through_lanner(engine, tmp, i) for i in range(repeat)]
        finally:
            await engine.stop()
            await store.close()
    direct_s, lanner_s = statistics.median(direct), statistics.median(lanner)
    overhead = (lanner_s - direct_s) / direct_s * 100
    return {
        "runs": repeat,
        "dbt_build_direct_s": round(direct_s, 3),
        "dbt_build_lanner_s": round(lanner_s, 3),
        "overhead_pct": round(overhead, 1),
        "target_pct": TARGET,
        "within_target": overhead <= TARGET,
    }


if __name__ == "__main__":
    import asyncio
    import json

    print(json.dumps(asyncio.run(bench_dbt()), indent=2))
