"""Fixtures of the Kubernetes task runner tests: the scripted pod and the stand-in API server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .kube_api import KubeApi, Script


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def api(script: Script) -> Iterator[KubeApi]:
    with KubeApi(script).serve() as server:
        yield server
