"""Flow test files (``*.test.yml``): cases run by ``lanner test``, read and checked with located errors.

    namespace: company.team        # the flow under test: namespace and flowId,
    flowId: hello                  # or `flow: hello.yml` (a path from this file); by default
                                   # the flow file next to it (hello.test.yml → hello.yml)
    testCases:
      - id: greets_ada
        fixtures:
          inputs: {name: Ada}
          tasks:                   # these tasks are not run: the fixture gives their result
            - id: fetch
              outputs: {code: 200} # rendered with the task's variables
              state: SUCCESS       # SUCCESS (default), WARNING or FAILED
        state: SUCCESS             # expected execution state (default SUCCESS)
        taskStates: {fetch: SUCCESS, alert: NOT_RUN}
        assertions:
          - "{{ outputs.greet.value == 'Hello Ada' }}"     # must be truthy
          - value: "{{ outputs.fetch.code }}"
            equalTo: 200

A fixture may name a task of another flow of the folder (``namespace`` and ``flowId`` in the
fixture) for the subflows the tested flow starts. Fixtures replace runnable tasks only: the
tasks that hold others (Parallel, If, ForEach…) and Subflow/Pause are the executor's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanner.errors import Issue
from lanner.flows import parse_flow
from lanner.flows.source import Document, load_yaml
from lanner.flows_as_code.folder import LocalFlow, read_text
from lanner.models.flow import ID_PATTERN
from lanner.models.registry import Registry
from lanner.tasks.base import RunnableTask, Task

__all__ = ["Assertion", "CaseResult", "FlowTest", "TaskFixture", "TestCase", "read_flow_tests"]

EXECUTION_STATES = ("SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED")
TASK_STATES = ("SUCCESS", "WARNING", "FAILED", "KILLED", "SKIPPED", "NOT_RUN")
FIXTURE_STATES = ("SUCCESS", "WARNING", "FAILED")
#: comparisons of a `{value: …}` assertion
OPERATORS = ("equalTo", "notEqualTo", "contains", "isNull", "isNotNull")
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class TaskFixture:
    namespace: str
    flow_id: str
    task_id: str
    outputs: dict[str, Any] = field(default_factory=dict)
    state: str = "SUCCESS"
    #: the error of a FAILED fixture, the reason of a WARNING one
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Assertion:
    #: a ``{{ }}`` template rendered with the execution's variables
    value: str
    #: ``truthy`` for a bare expression, else one of ``OPERATORS``
    operator: str = "truthy"
    expected: Any = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class TestCase:
    id: str
    description: str | None = None
    disabled: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)
    fixtures: list[TaskFixture] = field(default_factory=list)
    state: str = "SUCCESS"
    task_states: dict[str, str] = field(default_factory=dict)
    assertions: list[Assertion] = field(default_factory=list)
    line: int | None = None


@dataclass(frozen=True, slots=True)
class FlowTest:
    file: str
    namespace: str
    flow_id: str
    cases: list[TestCase] = field(default_factory=list)

    @property
    def flow_uid(self) -> str:
        return f"{self.namespace}.{self.flow_id}"


class _Reader:
    """Reads one test file, collecting every issue with its position."""

    def __init__(self, doc: Document, name: str) -> None:
        self.doc = doc
        self.name = name
        self.issues: list[Issue] = []

    def issue(self, path: tuple[str | int, ...], message: str, hint: str | None = None, *, key: bool = False) -> None:
        """An issue at the value of ``path`` (``key``: at the key itself, for unknown properties)."""
        mark = self.doc.positions.key(path) if key and path else None
        mark = mark or self.doc.positions.nearest(path)
        text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        self.issues.append(
            Issue(
                message, path=text, line=mark.line if mark else 1, column=mark.column if mark else 1, hint=hint, source=self.name
            )
        )

    def line(self, path: tuple[str | int, ...]) -> int | None:
        mark = self.doc.positions.value(path)
        return mark.line if mark else None

    def keys(self, data: Mapping[str, Any], path: tuple[str | int, ...], allowed: Sequence[str]) -> None:
        for key in data:
            if key not in allowed:
                self.issue((*path, key), f"unknown property {key!r}", hint=f"use one of: {', '.join(allowed)}", key=True)

    def mapping(self, data: Any, path: tuple[str | int, ...], what: str) -> Mapping[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.issue(path, f"{what} must be a map")
            return {}
        return data

    def sequence(self, data: Any, path: tuple[str | int, ...], what: str) -> list[Any]:
        if data is None:
            return []
        if not isinstance(data, list):
            self.issue(path, f"{what} must be a list")
            return []
        return data


def read_flow_tests(
    paths: Sequence[Path], flows: Sequence[LocalFlow], registry: Registry | None = None
) -> tuple[list[FlowTest], list[Issue]]:
    """The test files ``paths``, checked against the folder's ``flows`` (the flow under test
    exists, the tasks fixtures and ``taskStates`` name are in it)."""
    by_uid = {flow.uid: flow for flow in flows}
    by_path = {flow.path.resolve(): flow for flow in flows}
    tasks: dict[str, dict[str, Task]] = {}

    def tasks_of(flow: LocalFlow) -> dict[str, Task]:
        if flow.uid not in tasks:
            parsed = parse_flow(flow.source, filename=flow.file, registry=registry)
            found: dict[str, Task] = {}
            stack: list[Task] = [*parsed.tasks, *(parsed.errors or []), *(parsed.finally_ or [])]  # type: ignore[list-item]
            while stack:
                task = stack.pop()
                found[task.id] = task
                stack.extend(task.child_tasks())
            tasks[flow.uid] = found
        return tasks[flow.uid]

    tests: list[FlowTest] = []
    issues: list[Issue] = []
    for path in paths:
        name = str(path)
        text, problems = read_text(path, name)
        if text is None:
            issues.extend(problems)
            continue
        doc = load_yaml(text, name)
        if not doc.readable:
            issues.extend(doc.issues)
            continue
        reader = _Reader(doc, name)
        reader.issues.extend(doc.issues)
        test = _read_test(reader, path, by_uid, by_path, tasks_of)
        issues.extend(sorted(reader.issues, key=lambda i: (i.line or 0, i.column or 0)))
        if test is not None and not reader.issues:
            tests.append(test)
    return tests, issues


def _target(
    reader: _Reader, data: Mapping[str, Any], path: Path, by_uid: Mapping[str, LocalFlow], by_path: Mapping[Path, LocalFlow]
) -> LocalFlow | None:
    if "flow" in data:
        given = data["flow"]
        target = by_path.get((path.parent / str(given)).resolve()) if isinstance(given, str) else None
        if target is None:
            reader.issue(
                ("flow",), f"no valid flow file {given!r} next to this test", hint="give a flow file path relative to this file"
            )
        return target
    if "flowId" in data or "namespace" in data:
        uid = f"{data.get('namespace')}.{data.get('flowId')}"
        target = by_uid.get(uid)
        if target is None:
            reader.issue(
                ("flowId",), f"the folder holds no valid flow {uid}", hint="set `namespace` and `flowId` of a flow of the folder"
            )
        return target
    stem = path.name.rsplit(".test.", 1)[0]
    for suffix in (".yml", ".yaml"):
        target = by_path.get((path.parent / f"{stem}{suffix}").resolve())
        if target is not None:
            return target
    reader.issue(
        (), f"which flow does this test? no {stem}.yml next to it", hint="set `namespace` and `flowId`, or `flow: file.yml`"
    )
    return None


def _read_test(
    reader: _Reader,
    path: Path,
    by_uid: Mapping[str, LocalFlow],
    by_path: Mapping[Path, LocalFlow],
    tasks_of: Any,
) -> FlowTest | None:
    data = reader.mapping(reader.doc.data, (), "a test file")
    reader.keys(data, (), ("id", "namespace", "flowId", "flow", "description", "testCases"))
    target = _target(reader, data, path, by_uid, by_path)
    raw_cases = reader.sequence(data.get("testCases"), ("testCases",), "`testCases`")
    if not raw_cases:
        reader.issue(("testCases",), "a test file needs `testCases`: a list of cases with an `id` each")
    if target is None:
        return None
    cases = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_cases):
        case = _read_case(reader, ("testCases", index), raw, target, by_uid, tasks_of)
        if case is not None:
            if case.id in seen:
                reader.issue(("testCases", index, "id"), f"test case {case.id!r} is listed twice")
            seen.add(case.id)
            cases.append(case)
    return FlowTest(reader.name, target.namespace, target.id, cases)


_CASE_KEYS = ("id", "type", "description", "disabled", "fixtures", "state", "taskStates", "assertions")


def _read_case(
    reader: _Reader,
    where: tuple[str | int, ...],
    raw: Any,
    target: LocalFlow,
    by_uid: Mapping[str, LocalFlow],
    tasks_of: Any,
) -> TestCase | None:
    data = reader.mapping(raw, where, "a test case")
    if not data:
        return None
    reader.keys(data, where, _CASE_KEYS)
    case_id = data.get("id")
    if not isinstance(case_id, str) or not _ID.match(case_id):
        reader.issue((*where, "id"), "each test case needs an `id` (letters, digits, `_`, `-`)")
        case_id = f"case_{where[-1]}"
    fixtures_data = reader.mapping(data.get("fixtures"), (*where, "fixtures"), "`fixtures`")
    reader.keys(fixtures_data, (*where, "fixtures"), ("inputs", "tasks"))
    inputs = dict(reader.mapping(fixtures_data.get("inputs"), (*where, "fixtures", "inputs"), "`inputs`"))
    fixtures = []
    for index, item in enumerate(reader.sequence(fixtures_data.get("tasks"), (*where, "fixtures", "tasks"), "`tasks`")):
        fixture = _read_fixture(reader, (*where, "fixtures", "tasks", index), item, target, by_uid, tasks_of)
        if fixture is not None:
            fixtures.append(fixture)
    state = data.get("state", "SUCCESS")
    if state not in EXECUTION_STATES:
        reader.issue((*where, "state"), f"expected execution state must be one of {', '.join(EXECUTION_STATES)}")
    task_states = dict(reader.mapping(data.get("taskStates"), (*where, "taskStates"), "`taskStates`"))
    known = tasks_of(target)
    for task_id, expected in task_states.items():
        if task_id not in known:
            reader.issue((*where, "taskStates", task_id), f"flow {target.uid} has no task {task_id!r}")
        if expected not in TASK_STATES:
            reader.issue((*where, "taskStates", task_id), f"a task state must be one of {', '.join(TASK_STATES)}")
    assertions = [
        assertion
        for index, item in enumerate(reader.sequence(data.get("assertions"), (*where, "assertions"), "`assertions`"))
        if (assertion := _read_assertion(reader, (*where, "assertions", index), item)) is not None
    ]
    description = data.get("description")
    return TestCase(
        id=case_id,
        description=description if isinstance(description, str) else None,
        disabled=data.get("disabled") is True,
        inputs=inputs,
        fixtures=fixtures,
        state=str(state),
        task_states={str(k): str(v) for k, v in task_states.items()},
        assertions=assertions,
        line=reader.line(where),
    )


def _read_fixture(
    reader: _Reader,
    where: tuple[str | int, ...],
    raw: Any,
    target: LocalFlow,
    by_uid: Mapping[str, LocalFlow],
    tasks_of: Any,
) -> TaskFixture | None:
    data = reader.mapping(raw, where, "a task fixture")
    reader.keys(data, where, ("id", "namespace", "flowId", "description", "outputs", "state", "message"))
    flow = target
    if "flowId" in data or "namespace" in data:
        uid = f"{data.get('namespace', target.namespace)}.{data.get('flowId', target.id)}"
        other = by_uid.get(uid)
        if other is None:
            reader.issue((*where, "flowId"), f"the folder holds no valid flow {uid}")
            return None
        flow = other
    task_id = data.get("id")
    task = tasks_of(flow).get(task_id) if isinstance(task_id, str) else None
    if task is None:
        reader.issue((*where, "id"), f"flow {flow.uid} has no task {task_id!r}")
        return None
    if not isinstance(task, RunnableTask):
        reader.issue(
            (*where, "id"),
            f"task {task_id!r} ({task.type}) is carried out by the executor, not a worker: a fixture cannot replace it",
            hint="give fixtures to the tasks it runs instead",
        )
        return None
    state = data.get("state", "SUCCESS")
    if state not in FIXTURE_STATES:
        reader.issue((*where, "state"), f"a fixture's state must be one of {', '.join(FIXTURE_STATES)}")
    outputs = dict(reader.mapping(data.get("outputs"), (*where, "outputs"), "`outputs`"))
    message = data.get("message")
    return TaskFixture(flow.namespace, flow.id, str(task_id), outputs, str(state), message if isinstance(message, str) else None)


def _read_assertion(reader: _Reader, where: tuple[str | int, ...], raw: Any) -> Assertion | None:
    if isinstance(raw, str):
        return Assertion(raw, line=reader.line(where))
    data = reader.mapping(raw, where, "an assertion (an expression, or a map with `value`)")
    if not data:
        return None
    reader.keys(data, where, ("value", "description", *OPERATORS))
    value = data.get("value")
    if not isinstance(value, str):
        reader.issue((*where, "value"), '`value` must be an expression such as "{{ outputs.task.value }}"')
        return None
    operators = [key for key in OPERATORS if key in data]
    if len(operators) != 1:
        reader.issue(where, f"give exactly one comparison: {', '.join(OPERATORS)}")
        return None
    return Assertion(value, operators[0], data[operators[0]], reader.line(where))


@dataclass(slots=True)
class CaseResult:
    """How one test case went: ``passed``, ``failed`` (an expectation not met), ``error``
    (it could not run: bad inputs…) or ``skipped`` (``disabled``)."""

    test: FlowTest
    case: TestCase
    status: str
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    execution_id: str | None = None
    #: warnings and errors the execution logged, for a failed case
    logs: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.test.file}::{self.case.id}"
