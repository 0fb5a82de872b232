"""Executions as the API shows them: Kestra's execution JSON, with SECRET inputs hidden.

Task outputs and logs are masked by the worker when they are written; the values of SECRET
inputs, however, are kept in the execution for the tasks that need them, so every response
replaces them here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lanner.engine.engine import Engine
from lanner.errors import NotFoundError
from lanner.models.execution import Execution, TaskRun
from lanner.models.input_values import secret_inputs

__all__ = ["HIDDEN", "execution_json", "storage_prefix"]

#: what a SECRET input's value looks like in API responses
HIDDEN = "******"


def storage_prefix(execution: Execution) -> str:
    """The internal storage key under which every file of the execution lives."""
    return f"{execution.namespace.replace('.', '/')}/{execution.flow_id}/executions/{execution.id}"


async def execution_json(engine: Engine, execution: Execution, task_runs: Sequence[TaskRun] = ()) -> dict[str, Any]:
    """Kestra's execution JSON, SECRET inputs replaced by ``HIDDEN``."""
    body = execution.to_api(list(task_runs))
    try:
        index = await engine.flows.get(execution.namespace, execution.flow_id, execution.flow_revision)
    except NotFoundError:
        return body
    secrets = secret_inputs(index.flow.inputs or [], execution.inputs)
    if secrets:
        body["inputs"] = _hide(execution.inputs, set(secrets))
    return body


def _hide(inputs: dict[str, Any], secret_ids: set[str], prefix: str = "") -> dict[str, Any]:
    hidden: dict[str, Any] = {}
    for key, value in inputs.items():
        path = f"{prefix}{key}"
        if path in secret_ids and value is not None:
            hidden[key] = HIDDEN
        elif isinstance(value, dict):
            hidden[key] = _hide(value, secret_ids, path + ".")
        else:
            hidden[key] = value
    return hidden
