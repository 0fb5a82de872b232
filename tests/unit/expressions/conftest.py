from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lanner.expressions import Renderer

#: the instant every test clock returns: Tuesday 2024-03-05 14:07:09.123456 UTC
FIXED_NOW = datetime(2024, 3, 5, 14, 7, 9, 123456, tzinfo=UTC)


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer(clock=lambda: FIXED_NOW)


@pytest.fixture
def variables() -> dict[str, Any]:
    return {
        "inputs": {"name": "ada", "count": 3, "flag": True, "empty": "", "nothing": None},
        "outputs": {
            "extract": {"rows": [1, 2, 3], "uri": "lanner://x/file.csv", "value": None, "items": "output-key"},
            "load": {"value": "done"},
            "my-task": {"value": "dashed"},
            "each": {"a": {"value": "first"}, "b": {"value": "second"}},
        },
        "taskrun": {"value": "b", "id": "tr1"},
        "parents": [{"taskrun": {"value": "outer"}}],
        "parent": {"taskrun": {"value": "outer"}},
        "vars": {"x": "X", "nested": {"deep": [10, 20]}},
        "flow": {"id": "hello", "namespace": "company.team"},
        "execution": {"id": "exec1", "startDate": FIXED_NOW},
        "labels": {"env": "prod"},
        "trigger": {"date": "2024-03-05T10:00:00Z"},
    }
