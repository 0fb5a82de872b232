"""``lanner plan`` / ``lanner apply`` / ``lanner flow rollback`` end to end, on both backends:
the commands run in-process (in a thread) against a real uvicorn server that requires an API
token, and every effect is checked through the server's store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from lanner.api.app import create_app
from lanner.cli.main import app as cli
from lanner.engine.engine import Engine
from lanner.settings import load_settings
from lanner.storage.namespace_files import NamespaceFiles

from ...live_server import LiveServer, serve

TOKEN = "plan-apply-token-0123456789"

HELLO = """\
id: hello
namespace: company.team
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: hello
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
"""
OTHER = """\
id: other
namespace: company.team
tasks:
  - id: say
    type: io.kestra.plugin.core.debug.Return
    format: other
"""
MODULE = """\
namespace: company
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      level: WARN
"""


@pytest.fixture
async def server(engine: Engine) -> AsyncIterator[LiveServer]:
    """The API with an API token required, as LANNER_AUTH_TOKENS would configure it."""
    settings = load_settings(environ={"LANNER_AUTH_TOKENS": TOKEN})
    async with serve(create_app(engine, settings), engine) as live:
        yield live


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "flows"
    write(root / "company/team/hello.yml", HELLO)
    write(root / "company/team/other.yml", OTHER)
    write(root / "company/_namespace.yml", MODULE)
    write(root / "_files/company.team/scripts/etl.py", "print('etl')\n")
    write(root / ".github/workflows/ci.yml", "on: push\n")  # hidden folders are not flows
    return root


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def lanner(*args: str | Path, token: str | None = TOKEN) -> Result:
    """One `lanner` command, run in a thread so the server keeps answering meanwhile."""
    argv = [str(arg) for arg in args]
    env = {"LANNER_API_TOKEN": token, "LANNER_API_URL": None, "COLUMNS": "200"}
    return await asyncio.to_thread(CliRunner().invoke, cli, argv, env=env, catch_exceptions=False)


async def revisions(engine: Engine, namespace: str, flow_id: str) -> list[int]:
    return [flow.revision for flow in await engine.store.flow_revisions(namespace, flow_id)]


async def live_flows(engine: Engine) -> dict[str, int]:
    return {f"{flow.namespace}.{flow.id}": flow.revision for flow in await engine.store.list_flows()}


async def test_plan_apply_edit_prune_and_reapply(server: LiveServer, folder: Path) -> None:
    engine, url = server.engine, server.url
    # an empty server: everything is to create, the trigger starts
    planned = await lanner("plan", folder, "--server", url, "--json")
    assert planned.exit_code == 2, planned.output
    plan = json.loads(planned.stdout)
    assert [(c["action"], c["namespace"], c["id"]) for c in plan["flows"]] == [
        ("create", "company.team", "hello"),
        ("create", "company.team", "other"),
    ]
    assert [(t["action"], t["triggerId"], t["after"]) for t in plan["triggers"]] == [("start", "hourly", "cron '0 * * * *'")]
    assert [(f["action"], f["namespace"], f["path"]) for f in plan["files"]] == [("create", "company.team", "scripts/etl.py")]

    applied = await lanner("apply", folder, "--server", url, "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert await live_flows(engine) == {"company.team.hello": 1, "company.team.other": 1}
    stored = await engine.store.get_flow("company.team", "hello")
    assert stored is not None
    assert stored.source.startswith(HELLO)  # the file as written, then the namespace's defaults
    assert "pluginDefaults:\n  # pluginDefaults of namespace company (company/_namespace.yml)\n" in stored.source
    index = await engine.flows.get("company.team", "hello")
    assert index.flow.tasks[0].level == "WARN"  # type: ignore[union-attr]
    assert await NamespaceFiles(engine.files, "company.team").read("scripts/etl.py") == b"print('etl')\n"

    unchanged = await lanner("plan", folder, "--server", url)
    assert unchanged.exit_code == 0, unchanged.output
    assert "No changes" in unchanged.stdout

    # one edited file: the plan shows exactly that diff and the new schedule
    write(folder / "company/team/hello.yml", HELLO.replace('cron: "0 * * * *"', 'cron: "*/5 * * * *"'))
    planned = await lanner("plan", folder, "--server", url, "--json")
    assert planned.exit_code == 2, planned.output
    plan = json.loads(planned.stdout)
    assert [(c["action"], c["id"], c["revision"]) for c in plan["flows"]] == [("update", "hello", 1)]
    changed = [line for line in plan["flows"][0]["diff"].splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ['-    cron: "0 * * * *"', '+    cron: "*/5 * * * *"']
    assert [(t["action"], t["before"], t["after"]) for t in plan["triggers"]] == [
        ("change", "cron '0 * * * *'", "cron '*/5 * * * *'")
    ]
    assert plan["files"] == []
    shown = await lanner("plan", folder, "--server", url)
    assert shown.exit_code == 2
    assert "~ update company.team.hello  revision 1 → 2" in shown.stdout
    assert '    +    cron: "*/5 * * * *"' in shown.stdout

    applied = await lanner("apply", folder, "--server", url, "-y")
    assert applied.exit_code == 0, applied.output
    assert await live_flows(engine) == {"company.team.hello": 2, "company.team.other": 1}

    # a deleted file: kept without --prune, deleted with it
    (folder / "company/team/other.yml").unlink()
    kept = await lanner("plan", folder, "--server", url, "--json")
    assert kept.exit_code == 0, kept.output
    assert json.loads(kept.stdout)["unmanaged"] == ["company.team.other"]
    pruned = await lanner("plan", folder, "--server", url, "--prune", "--json")
    assert pruned.exit_code == 2
    assert [(c["action"], c["id"]) for c in json.loads(pruned.stdout)["flows"]] == [("delete", "other")]
    applied = await lanner("apply", folder, "--server", url, "--prune", "-y")
    assert applied.exit_code == 0, applied.output
    assert await live_flows(engine) == {"company.team.hello": 2}

    # a second apply is a no-op: exit 0, no request that writes, no new revision
    again = await lanner("apply", folder, "--server", url, "--prune", "-y")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout
    assert await revisions(engine, "company.team", "hello") == [1, 2]
    assert await revisions(engine, "company.team", "other") == [1]


async def test_invalid_file_blocks_the_whole_apply(server: LiveServer, folder: Path) -> None:
    engine, url = server.engine, server.url
    assert (await lanner("apply", folder, "--server", url, "-y")).exit_code == 0
    write(folder / "company/team/hello.yml", HELLO.replace("message: hello", "message: changed"))
    write(
        folder / "company/team/broken.yml",
        "id: broken\nnamespace: company.team\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n    mesage: hi\n",
    )
    write(folder / "company/team/worse.yml", "id: worse\nnamespace: company.team\ntasks: [\n")
    before = await live_flows(engine)
    for command in ("plan", "apply"):
        result = await lanner(command, folder, "--server", url, "-y" if command == "apply" else "--json")
        assert result.exit_code == 1, result.output
        assert f"{folder / 'company/team/broken.yml'}:6:5: tasks[0].mesage: unknown property 'mesage'" in result.stderr
        assert f"{folder / 'company/team/worse.yml'}:4:1:" in result.stderr
        assert "nothing was sent to the server" in result.stderr
        assert result.stdout == ""
    assert await live_flows(engine) == before
    assert await revisions(engine, "company.team", "hello") == [1]


async def test_the_token_is_required_when_the_server_has_auth(server: LiveServer, folder: Path) -> None:
    refused = await lanner("apply", folder, "--server", server.url, "-y", token=None)
    assert refused.exit_code == 1
    assert "HTTP 401" in refused.stderr
    assert "--token or set LANNER_API_TOKEN" in refused.stderr
    wrong = await lanner("plan", folder, "--server", server.url, "--token", "not-the-token-0123456789", token=None)
    assert wrong.exit_code == 1
    assert "HTTP 401" in wrong.stderr
    assert await live_flows(server.engine) == {}


async def test_apply_asks_for_approval(server: LiveServer, folder: Path) -> None:
    refused = await lanner("apply", folder, "--server", server.url)  # stdin is not a terminal
    assert refused.exit_code == 1
    assert "pass --auto-approve" in refused.stderr
    assert "+ create company.team.hello" in refused.stdout  # the plan is shown first
    assert await live_flows(server.engine) == {}


async def test_namespace_option_limits_and_prunes_the_subtree(server: LiveServer, folder: Path) -> None:
    engine, url = server.engine, server.url
    await engine.deploy(OTHER.replace("company.team", "company.team.old"))
    await engine.deploy(OTHER.replace("company.team", "elsewhere"))
    write(folder / "elsewhere/mine.yml", OTHER.replace("other", "mine").replace("company.team", "elsewhere"))
    planned = await lanner("plan", folder, "--server", url, "--namespace", "company.team", "--prune", "--json")
    assert planned.exit_code == 2, planned.output
    plan = json.loads(planned.stdout)
    assert plan["namespaces"] == ["company.team", "company.team.old"]
    assert [(c["action"], c["namespace"], c["id"]) for c in plan["flows"]] == [
        ("create", "company.team", "hello"),
        ("create", "company.team", "other"),
        ("delete", "company.team.old", "other"),
    ]
    applied = await lanner("apply", folder, "--server", url, "--namespace", "company.team", "--prune", "-y")
    assert applied.exit_code == 0, applied.output
    assert await live_flows(engine) == {"company.team.hello": 1, "company.team.other": 1, "elsewhere.other": 1}


async def test_rollback_saves_the_old_source_as_a_new_revision(server: LiveServer, folder: Path) -> None:
    engine, url = server.engine, server.url
    assert (await lanner("apply", folder, "--server", url, "-y")).exit_code == 0
    first = await engine.store.get_flow("company.team", "hello")
    write(folder / "company/team/hello.yml", HELLO.replace("message: hello", "message: changed"))
    assert (await lanner("apply", folder, "--server", url, "-y")).exit_code == 0

    rolled = await lanner("flow", "rollback", "company.team", "hello", "--revision", "1", "--server", url)
    assert rolled.exit_code == 0, rolled.output
    assert "revision 3 saved with the source of revision 1" in rolled.stdout
    latest = await engine.store.get_flow("company.team", "hello")
    assert first is not None and latest is not None
    assert (latest.revision, latest.source) == (3, first.source)

    again = await lanner("flow", "rollback", "company.team", "hello", "--revision", "1", "--server", url)
    assert again.exit_code == 0
    assert "nothing to do" in again.stdout
    assert await revisions(engine, "company.team", "hello") == [1, 2, 3]

    missing = await lanner("flow", "rollback", "company.team", "hello", "--revision", "9", "--server", url)
    assert missing.exit_code == 1
    assert "HTTP 404" in missing.stderr
