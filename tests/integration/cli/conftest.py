"""The commands of every test module start together, once, before the first test reads one.

A module lists its one-shot commands in ``launch(root) -> dict[str, Proc]``; its tests take the
``runs`` fixture, which returns what that module's ``launch`` started. Each ``lanner`` process
spends a second or two importing, so starting them side by side keeps the folder fast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._process import Proc


@pytest.fixture(scope="session")
def launched(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Proc]]]:
    modules = {item.module.__name__: item.module for item in request.session.items if hasattr(item.module, "launch")}
    started: dict[str, dict[str, Proc]] = {}
    try:
        for name, module in sorted(modules.items()):
            started[name] = module.launch(tmp_path_factory.mktemp(name.rsplit(".", 1)[-1]))
        yield started
    finally:
        for procs in started.values():
            for proc in procs.values():
                proc.stop()


@pytest.fixture
def runs(launched: dict[str, dict[str, Proc]], request: pytest.FixtureRequest) -> dict[str, Proc]:
    return launched[request.module.__name__]
