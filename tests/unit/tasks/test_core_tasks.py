"""Log, Return, OutputValues, Sleep, Fail and Labels."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from lanner.errors import TaskFailure
from lanner.tasks.core.execution import Fail, Labels
from lanner.tasks.core.log import Log
from lanner.tasks.core.outputs import OutputValues, Return
from lanner.tasks.core.sleep import Sleep

from .fake_context import FakeRunContext


@pytest.fixture
def ctx(tmp_path: Path) -> FakeRunContext:
    return FakeRunContext(tmp_path, variables={"inputs": {"name": "Ada", "env": "prod", "rows": 0}})


async def test_log_renders_each_message_at_its_level(ctx: FakeRunContext) -> None:
    task = Log.model_validate(
        {"id": "l", "type": "io.kestra.core.tasks.log.Log", "level": "WARN", "message": ["hi {{ inputs.name }}", "bye"]}
    )

    assert await task.run(ctx) is None
    assert ctx.logger.records == [("WARN", "hi Ada"), ("WARN", "bye")]


async def test_log_defaults_to_info(ctx: FakeRunContext) -> None:
    await Log.model_validate({"id": "l", "type": "lanner.core.Log", "message": "one"}).run(ctx)

    assert ctx.logger.records == [("INFO", "one")]


def test_log_level_is_validated() -> None:
    with pytest.raises(ValidationError):
        Log.model_validate({"id": "l", "type": "lanner.core.Log", "message": "x", "level": "LOUD"})


async def test_return_renders_format(ctx: FakeRunContext) -> None:
    task = Return.model_validate({"id": "r", "type": "io.kestra.plugin.core.debug.Return", "format": "{{ inputs.name }}!"})

    assert await task.run(ctx) == {"value": "Ada!"}
    assert ("length", 4, "counter", {}) in ctx.metrics


async def test_output_values_renders_nested_values(ctx: FakeRunContext) -> None:
    task = OutputValues.model_validate(
        {
            "id": "o",
            "type": "io.kestra.plugin.core.output.OutputValues",
            "values": {"greeting": "hello {{ inputs.name }}", "nested": {"env": "{{ inputs.env }}"}, "n": 3},
        }
    )

    assert await task.run(ctx) == {"values": {"greeting": "hello Ada", "nested": {"env": "prod"}, "n": 3}}


async def test_sleep_waits_for_the_duration(ctx: FakeRunContext) -> None:
    task = Sleep.model_validate({"id": "s", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT0.2S"})

    start = time.monotonic()
    await task.run(ctx)

    assert time.monotonic() - start >= 0.2


async def test_sleep_stops_at_once_when_killed(ctx: FakeRunContext) -> None:
    task = Sleep.model_validate({"id": "s", "type": "io.kestra.plugin.core.flow.Sleep", "duration": "PT1H"})
    run = asyncio.ensure_future(task.run(ctx))
    await asyncio.sleep(0)

    ctx.kill()
    with pytest.raises(TaskFailure, match="killed"):
        await asyncio.wait_for(run, timeout=2)


async def test_sleep_duration_expression_is_validated(ctx: FakeRunContext) -> None:
    task = Sleep.model_validate({"id": "s", "type": "lanner.core.Sleep", "duration": "{{ inputs.name }}"})

    with pytest.raises(TaskFailure, match="not a duration: 'Ada'"):
        await task.run(ctx)


async def test_fail_without_condition_always_fails(ctx: FakeRunContext) -> None:
    task = Fail.model_validate(
        {"id": "f", "type": "io.kestra.plugin.core.execution.Fail", "errorMessage": "no data for {{ inputs.env }}"}
    )

    with pytest.raises(TaskFailure, match="no data for prod"):
        await task.run(ctx)
    assert ctx.logger.records == []  # the worker logs the failure, once


@pytest.mark.parametrize(
    ("condition", "fails"),
    [("{{ inputs.rows == 0 }}", True), ("{{ inputs.rows > 0 }}", False), ("false", False), ("", False), (True, True)],
)
async def test_fail_on_condition(ctx: FakeRunContext, condition: object, fails: bool) -> None:
    task = Fail.model_validate({"id": "f", "type": "io.kestra.core.tasks.executions.Fail", "condition": condition})

    if fails:
        with pytest.raises(TaskFailure, match="Task failure"):
            await task.run(ctx)
    else:
        assert await task.run(ctx) is None


async def test_labels_from_map_and_list(ctx: FakeRunContext) -> None:
    await Labels.model_validate(
        {"id": "l", "type": "io.kestra.plugin.core.execution.Labels", "labels": {"owner": "{{ inputs.name }}", "n": 2}}
    ).run(ctx)
    await Labels.model_validate(
        {"id": "l", "type": "lanner.core.Labels", "labels": [{"key": "env", "value": "{{ inputs.env }}"}]}
    ).run(ctx)

    assert ctx.labels == {"owner": "Ada", "n": "2", "env": "prod"}


async def test_labels_from_json_expression(tmp_path: Path) -> None:
    ctx = FakeRunContext(tmp_path, variables={"labels_json": '{"team": "data"}'})
    await Labels.model_validate({"id": "l", "type": "lanner.core.Labels", "labels": "{{ labels_json }}"}).run(ctx)

    assert ctx.labels == {"team": "data"}


async def test_system_labels_are_refused(ctx: FakeRunContext) -> None:
    task = Labels.model_validate({"id": "l", "type": "lanner.core.Labels", "labels": {"system.correlationId": "x"}})

    with pytest.raises(TaskFailure, match=r"system\.correlationId"):
        await task.run(ctx)
    assert ctx.labels == {}
