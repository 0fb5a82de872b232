"""Composition root: settings -> storage adapter -> engine.

A process runs some of Lanner's components (``COMPONENTS``): ``lanner server local`` and
``standalone`` run all of them, ``lanner server webserver|executor|scheduler|worker`` one each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Literal

from lanner.engine.engine import Engine, EngineOptions
from lanner.engine.retention import RetentionOptions
from lanner.engine.scheduler import SchedulerOptions
from lanner.engine.secrets import secret_backend
from lanner.errors import FlowValidationError, Issue, StorageUnavailable
from lanner.settings import Settings
from lanner.storage.files import LocalFileStorage
from lanner.storage.ports import Store
from lanner.storage.sql import create_store

__all__ = [
    "ALL_COMPONENTS",
    "COMPONENTS",
    "Component",
    "engine_options",
    "load_flow_dirs",
    "open_engine",
    "open_store",
    "pool_size",
]

log = logging.getLogger(__name__)

Component = Literal["webserver", "executor", "scheduler", "worker"]
#: every component, in the order a process starts them
COMPONENTS: tuple[Component, ...] = ("webserver", "executor", "scheduler", "worker")
ALL_COMPONENTS: frozenset[Component] = frozenset(COMPONENTS)

#: PostgreSQL connections kept open per component when ``database_pool_size`` is unset: the
#: API serves concurrent requests; an executor holds one transaction at a time plus its reads
#: and log writes; a scheduler runs one pass at a time
_POOL_SIZES: dict[Component, int] = {"webserver": 10, "executor": 5, "scheduler": 2, "worker": 5}


def pool_size(settings: Settings, components: frozenset[Component] = ALL_COMPONENTS) -> int:
    """PostgreSQL connections this process keeps open: ``database_pool_size``, or sized for its
    components (a worker's attempts write logs and results: one more per 8 threads)."""
    if settings.database_pool_size is not None:
        return settings.database_pool_size
    sizes = [_POOL_SIZES[component] for component in components] or [2]
    extra = settings.worker.threads // 8 if "worker" in components else 0
    return max(sizes) + extra


@asynccontextmanager
async def open_store(settings: Settings, components: frozenset[Component] = ALL_COMPONENTS) -> AsyncIterator[Store]:
    """The migrated store of the configured database, its pool sized for ``components``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = create_store(
        settings.resolved_database_url(),
        schema=settings.database_schema,
        pool_size=pool_size(settings, components),
        idle_in_transaction_timeout=settings.database_idle_in_transaction_timeout,
    )
    try:
        await _migrate_when_reachable(store, settings.database_connect_timeout)
        yield store
    finally:
        await store.close()


async def _migrate_when_reachable(store: Store, timeout: float) -> None:
    """Migrate, trying again while the database cannot be reached (a process started next to
    its database, or while it restarts), for ``timeout`` seconds at most."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = 0.25
    while True:
        try:
            await store.migrate()
            return
        except StorageUnavailable as exc:
            if loop.time() + delay > deadline:
                raise
            log.warning("the database cannot be reached (%s); trying again in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


def engine_options(settings: Settings, *, local: bool = True, components: frozenset[Component] = ALL_COMPONENTS) -> EngineOptions:
    """The engine's options from the settings.

    ``local``: this process is the only one on the database, so jobs a previous (killed)
    process left running are handed back at start; otherwise (``standalone`` sharing a
    database) only once their worker's heartbeat is older than ``worker.dead_after``.
    ``components``: the loops this process runs (the webserver needs none: it only reads,
    submits and asks the others).
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
        worker_shutdown_grace=settings.worker.shutdown_grace,
        local=local,
        run_executor="executor" in components,
        run_worker="worker" in components,
        run_scheduler=scheduler.enabled and "scheduler" in components,
        scheduler=SchedulerOptions(
            poll=scheduler.poll,
            recover_missed_schedules=scheduler.recover_missed_schedules,
            late_after=timedelta(seconds=scheduler.late_after),
            batch=scheduler.batch,
            event_batch=scheduler.event_batch,
            poll_lock=timedelta(seconds=scheduler.poll_lock),
            retention=RetentionOptions(
                executions=settings.retention.executions,
                logs=settings.retention.logs,
                interval=timedelta(seconds=settings.retention.interval),
                batch=settings.retention.batch,
            ),
        ),
    )


@asynccontextmanager
async def open_engine(
    settings: Settings, *, local: bool = True, start: bool = True, components: frozenset[Component] = ALL_COMPONENTS
) -> AsyncIterator[Engine]:
    """An engine on the configured backend, the loops of ``components`` running until the block exits."""
    async with open_store(settings, components) as store:
        files = LocalFileStorage(Path(settings.resolved_storage_dir()))
        options = engine_options(settings, local=local, components=components)
        engine = Engine(store, files, options, secrets=secret_backend(settings.secrets.backend))
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
