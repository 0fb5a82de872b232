"""Blueprints: every shipped one is a valid flow using only task types that exist, and the API
lists them and serves their source (which the UI opens in the editor and saves)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from lanner.api.routes.blueprints import all_blueprints, blueprints_dir, read_blueprint, split_header
from lanner.flows import validate_flow

from .conftest import LiveServer

SHIPPED = sorted(blueprints_dir().glob("*.yaml"))


def test_the_blueprints_folder_is_found() -> None:
    assert len(SHIPPED) >= 7, blueprints_dir()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.stem)
def test_every_shipped_blueprint_validates(path: Path) -> None:
    blueprint = read_blueprint(path)
    assert blueprint.title and blueprint.description and blueprint.tags
    assert validate_flow(path.read_text(encoding="utf-8"), filename=str(path)) == []
    # the validator also rejects any task or trigger type no installed plugin provides
    assert validate_flow(blueprint.source) == []


def test_the_header_is_split_from_the_flow() -> None:
    header, source = split_header("# title: T\n# tags: [a]\n# ---\n\nid: f\nnamespace: n\n")
    assert header == "title: T\ntags: [a]\n"
    assert source == "id: f\nnamespace: n\n"
    assert split_header("id: f\n") == ("", "id: f\n")


def test_files_without_a_title_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("# title: Good\n# ---\nid: g\nnamespace: n\ntasks: []\n")
    (tmp_path / "untitled.yaml").write_text("id: u\nnamespace: n\n")
    (tmp_path / "broken.yaml").write_text("# title: [\n# ---\nid: b\n")
    assert [blueprint.id for blueprint in all_blueprints(tmp_path)] == ["good"]


async def test_list_and_get(server: LiveServer, client: httpx.AsyncClient) -> None:
    listed = await client.get("/api/v1/blueprints")
    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json()}
    assert items.keys() == {path.stem for path in SHIPPED}
    airbyte = items["airbyte-dbt-hightouch"]
    assert airbyte["title"] == "Airbyte sync, dbt build, Hightouch sync"
    assert "dbt" in airbyte["tags"]
    assert "io.kestra.plugin.hightouch.Sync" in airbyte["taskTypes"]
    assert "source" not in airbyte

    one = await client.get("/api/v1/main/blueprints/airbyte-dbt-hightouch")
    assert one.status_code == 200
    source = one.json()["source"]
    assert source.startswith("id: airbyte_dbt_hightouch\n")

    # the source is a flow the server accepts as it is
    created = await client.post("/api/v1/flows", content=source, headers={"Content-Type": "application/x-yaml"})
    assert created.status_code == 200, created.text
    assert created.json()["id"] == "airbyte_dbt_hightouch"


@pytest.mark.parametrize("name", ["nope", "UPPER", "..pyproject"])
async def test_unknown_blueprint_is_a_clear_404(client: httpx.AsyncClient, name: str) -> None:
    answer = await client.get(f"/api/v1/blueprints/{name}")
    assert answer.status_code == 404
    assert "GET /api/v1/blueprints" in answer.json()["message"]


async def test_no_path_leaves_the_folder(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/v1/blueprints/..%2F..%2Fpyproject")
    assert answer.status_code == 404
    assert "[project]" not in answer.text
