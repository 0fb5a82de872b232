"""Runs flow test cases on an in-process engine (temporary SQLite), one case at a time.

Fixtures reach the worker through its test-only ``stand_in`` hook: while a case runs, a job
of a task with a fixture runs the fixture instead of the task (same run context, so its
outputs are rendered with the task's variables and its logs are kept). Cases run one after
the other, so a fixture also applies to the subflows the tested execution starts.
Triggers do not fire: the scheduler is not started.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from lanner.bootstrap import open_engine
from lanner.engine.engine import Engine
from lanner.engine.run_context import WorkerRunContext
from lanner.engine.variables import ExecutionView
from lanner.errors import ConflictError, InputError, LannerError, NotFoundError, TaskFailure
from lanner.flows_as_code.flow_tests import Assertion, CaseResult, FlowTest, TaskFixture, TestCase
from lanner.flows_as_code.folder import Folder
from lanner.models.ids import new_id
from lanner.settings import Settings
from lanner.storage.namespace_files import NamespaceFiles
from lanner.storage.ports import ClaimedExecution, WorkerJob

__all__ = ["Fixtures", "run_cases"]

_LOG_LINES = 20


class Fixtures:
    """The worker's ``stand_in`` hook: the fixtures of the case running now."""

    def __init__(self) -> None:
        self.active: dict[tuple[str, str, str], TaskFixture] = {}

    def use(self, fixtures: list[TaskFixture]) -> None:
        self.active = {(f.namespace, f.flow_id, f.task_id): f for f in fixtures}

    def __call__(self, job: WorkerJob) -> Callable[[WorkerRunContext], Awaitable[Mapping[str, Any] | None]] | None:
        payload = job.payload
        fixture = self.active.get((payload["namespace"], payload["flowId"], payload["taskId"]))
        if fixture is None:
            return None

        async def stand_in(ctx: WorkerRunContext) -> Mapping[str, Any] | None:
            ctx.logger.info(f"test fixture: task not run, ended {fixture.state}")
            if fixture.state == "FAILED":
                raise TaskFailure(fixture.message or "failed by a test fixture", retryable=False)
            if fixture.state == "WARNING":
                ctx.warn(fixture.message or "warning set by a test fixture")
            outputs: dict[str, Any] = await ctx.render(fixture.outputs)
            return outputs

        return stand_in


async def run_cases(
    settings: Settings,
    folder: Folder,
    tests: list[FlowTest],
    *,
    timeout: float,
    on_result: Callable[[CaseResult], None],
) -> list[CaseResult]:
    results: list[CaseResult] = []
    fixtures = Fixtures()
    async with open_engine(settings, local=True, start=False) as engine:
        engine.options.run_scheduler = False  # no schedule may start executions during the tests
        engine.worker.stand_in = fixtures
        await engine.start()
        for flow in folder.flows:
            await engine.deploy(flow.source, filename=flow.file)
        for item in folder.files:
            await NamespaceFiles(engine.files, item.namespace).put(item.path, item.file.read_bytes())
        for test in tests:
            for case in test.cases:
                if case.disabled:
                    result = CaseResult(test, case, "skipped")
                else:
                    fixtures.use(case.fixtures)
                    result = await _run_case(engine, test, case, timeout)
                    fixtures.use([])
                results.append(result)
                on_result(result)
    return results


async def _run_case(engine: Engine, test: FlowTest, case: TestCase, timeout: float) -> CaseResult:
    started = time.monotonic()
    execution_id = new_id()
    result = CaseResult(test, case, "passed", execution_id=execution_id)
    try:
        await engine.submit(test.namespace, test.flow_id, case.inputs, execution_id=execution_id)
    except InputError as exc:
        result.status = "error"
        result.execution_id = None
        result.failures = [f"{issue.path or 'inputs'}: {issue.message}" for issue in exc.issues]
    except LannerError as exc:
        result.status = "error"
        result.execution_id = None
        result.failures = [f"cannot start the execution: {exc}"]
    else:
        found = await _wait(engine, execution_id, timeout, result)
        if found is not None:
            result.failures.extend(await _check(engine, found, case))
        if result.failures:
            result.status = "failed"
            result.logs = await _logs(engine, execution_id)
    result.seconds = time.monotonic() - started
    return result


async def _wait(engine: Engine, execution_id: str, timeout: float, result: CaseResult) -> ClaimedExecution | None:
    try:
        return await engine.wait(execution_id, timeout=timeout, poll=0.2)
    except TimeoutError:
        state = (await engine.get(execution_id)).execution.state
        result.failures.append(f"the execution did not end within {timeout:g}s (still {state}); it was killed")
        with contextlib.suppress(ConflictError, NotFoundError):
            await engine.kill(execution_id)
        with contextlib.suppress(TimeoutError):
            await engine.wait(execution_id, timeout=10, poll=0.2)
        return None


async def _check(engine: Engine, found: ClaimedExecution, case: TestCase) -> list[str]:
    ex = found.execution
    failures = []
    if ex.state.value != case.state:
        failures.append(f"execution ended {ex.state.value}, expected {case.state}")
    for task_id, expected in case.task_states.items():
        states = sorted({run.state.value for run in found.task_runs if run.task_id == task_id})
        if expected == "NOT_RUN":
            if states:
                failures.append(f"task {task_id} ran ({', '.join(states)}), expected NOT_RUN")
        elif not states:
            failures.append(f"task {task_id} did not run, expected {expected}")
        elif states != [expected]:
            failures.append(f"task {task_id} ended {', '.join(states)}, expected {expected}")
    if case.assertions:
        index = await engine.flows.get(ex.namespace, ex.flow_id, ex.flow_revision)
        variables = ExecutionView(ex, found.task_runs, index).for_task_run(None)
        variables["execution"]["outputs"] = ex.outputs or {}
        functions: dict[str, Callable[..., Any]] = {"secret": engine.secrets.get}
        for assertion in case.assertions:
            failure = _assert(engine, assertion, variables, functions)
            if failure is not None:
                failures.append(failure)
    return failures


def _assert(
    engine: Engine, assertion: Assertion, variables: dict[str, Any], functions: dict[str, Callable[..., Any]]
) -> str | None:
    where = f"assertion (line {assertion.line})" if assertion.line else "assertion"
    try:
        value = engine.renderer.render_typed(assertion.value, variables, functions)
    except LannerError as exc:
        return f"{where} {assertion.value!r}: cannot render: {exc}"
    expected = assertion.expected
    op = assertion.operator
    if op == "truthy":
        ok = _truthy(value)
    elif op == "equalTo":
        ok = _same(value, expected)
    elif op == "notEqualTo":
        ok = not _same(value, expected)
    elif op == "contains":
        ok = _text(expected) in value if isinstance(value, str) else any(_same(item, expected) for item in value or [])
    elif op == "isNull":
        ok = (value is None or value == "") == bool(expected)
    else:  # isNotNull
        ok = (value is not None and value != "") == bool(expected)
    if ok:
        return None
    if op == "truthy":
        return f"{where} {assertion.value!r} is {_text(value)!r}, not true"
    return f"{where} {assertion.value!r} is {_text(value)!r}; expected {op} {_text(expected)!r}"


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "null", "none")
    return bool(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _same(value: Any, expected: Any) -> bool:
    """Equal as values, or as text (a rendered ``"200"`` equals ``200``)."""
    return bool(value == expected) or _text(value) == _text(expected)


async def _logs(engine: Engine, execution_id: str) -> list[str]:
    entries = [e for e in await engine.store.get_logs(execution_id) if e.level in ("WARN", "ERROR")]
    return [f"{e.level} {e.task_id or '-'}: {e.message}" for e in entries[-_LOG_LINES:]]
