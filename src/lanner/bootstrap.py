"""Composition root: settings -> storage adapter -> engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from lanner.engine.engine import Engine, EngineOptions
from lanner.engine.scheduler import SchedulerOptions
from lanner.engine.secrets import secret_backend
from lanner.errors import FlowValidationError, Issue
from lanner.settings import Settings
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import Store
from lanner.storage.sql import create_store

__all__ = ["engine_options", "load_flow_dirs", "open_engine", "open_store"]


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = create_store(settings.resolved_database_url(), schema=settings.database_schema)
    try:
        await store.migrate()
        yield store
    finally:
        await store.close()


def engine_options(settings: Settings, *, local: bool = True) -> EngineOptions:
    """The engine's options from the settings.

    ``local``: this process is the only one on the database, so jobs a previous (killed)
    process left running are handed back at start; otherwise (``standalone`` sharing a
    database) only once their worker's heartbeat is older than ``worker.dead_after``.
    """
    scheduler = settings.scheduler
    return EngineOptions(
        work_root=settings.work_dir(),
        worker_threads=settings.worker.threads,
        worker_groups=list(settings.worker.groups) or [None],
        executor_batch=settings.executor.batch_size,
        idle_poll=settings.executor.idle_poll,
        heartbeat_interval=settings.worker.heartbeat_interval,
        worker_dead_after=settings.worker.dead_after,
        local=local,
        run_scheduler=scheduler.enabled,
        scheduler=SchedulerOptions(
            poll=scheduler.poll,
            recover_missed_schedules=scheduler.recover_missed_schedules,
            late_after=timedelta(seconds=scheduler.late_after),
            batch=scheduler.batch,
            event_batch=scheduler.event_batch,
            poll_lock=timedelta(seconds=scheduler.poll_lock),
        ),
    )


@asynccontextmanager
async def open_engine(settings: Settings, *, local: bool = True, start: bool = True) -> AsyncIterator[Engine]:
    """An engine on the configured backend, its loops running until the block exits."""
    async with open_store(settings) as store:
        files = LocalFileStorage(Path(settings.resolved_storage_dir()))
        engine = Engine(store, files, engine_options(settings, local=local), secrets=secret_backend(settings.secrets.backend))
        if start:
            await engine.start()
        try:
            yield engine
        finally:
            await engine.stop()


async def load_flow_dirs(engine: Engine, folders: list[Path]) -> tuple[int, list[Issue]]:
    """Deploy every flow file of ``folders``; invalid ones are reported, not fatal."""
    loaded = 0
    issues: list[Issue] = []
    for folder in folders:
        files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.suffix in (".yml", ".yaml"))
        for file in files:
            try:
                await engine.deploy(file.read_text(), filename=str(file))
                loaded += 1
            except FlowValidationError as exc:
                issues.extend(exc.issues)
            except OSError as exc:
                issues.append(Issue(message=f"cannot read: {exc.strerror}", source=str(file)))
            except UnicodeDecodeError as exc:
                issues.append(Issue(message=f"cannot read: not UTF-8 text ({exc.reason})", source=str(file)))
    return loaded, issues
