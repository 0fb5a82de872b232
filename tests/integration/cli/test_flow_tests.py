"""``lanner test DIR``: flow test files run in-process on a temporary SQLite, fixtures standing in
for tasks that would call external systems, located errors in test files, and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from lanner.cli.main import app as cli

#: nothing listens on the discard port: a task that really calls it fails
UNREACHABLE = "http://127.0.0.1:9/orders"

ORDERS = f"""\
id: orders
namespace: shop
inputs:
  - id: day
    type: STRING
    defaults: "2024-01-01"
tasks:
  - id: fetch
    type: io.kestra.plugin.core.http.Request
    uri: {UNREACHABLE}
  - id: count
    type: io.kestra.plugin.core.debug.Return
    format: "{{{{ outputs.fetch.body }}}} orders on {{{{ inputs.day }}}}"
  - id: check
    type: io.kestra.plugin.core.flow.If
    condition: "{{{{ outputs.fetch.code == 200 }}}}"
    then:
      - id: ok
        type: io.kestra.plugin.core.log.Log
        message: fine
    else:
      - id: alert
        type: io.kestra.plugin.core.log.Log
        message: alert
outputs:
  - id: summary
    type: STRING
    value: "{{{{ outputs.count.value }}}}"
"""
NIGHTLY = """\
id: nightly
namespace: shop
tasks:
  - id: run_orders
    type: io.kestra.plugin.core.flow.Subflow
    namespace: shop
    flowId: orders
    inputs:
      day: "2024-02-02"
"""
ORDERS_TESTS = """\
testCases:
  - id: counts_orders
    description: the fixture answers instead of the orders API
    fixtures:
      inputs: {day: "2024-03-01"}
      tasks:
        - id: fetch
          outputs: {code: 200, body: "{{ 40 + 2 }}"}
    taskStates: {fetch: SUCCESS, ok: SUCCESS, alert: NOT_RUN}
    assertions:
      - "{{ outputs.count.value == '42 orders on 2024-03-01' }}"
      - value: "{{ outputs.fetch.code }}"
        equalTo: 200
      - value: "{{ execution.outputs.summary }}"
        contains: "42 orders"
  - id: api_down
    fixtures:
      tasks:
        - id: fetch
          state: FAILED
          message: orders API is down
    state: FAILED
    taskStates: {fetch: FAILED, count: NOT_RUN}
  - id: not_yet
    disabled: true
"""
NIGHTLY_TESTS = """\
namespace: shop
flowId: nightly
testCases:
  - id: runs_the_subflow
    fixtures:
      tasks:
        - namespace: shop
          flowId: orders
          id: fetch
          outputs: {code: 200, body: "7"}
    taskStates: {run_orders: SUCCESS}
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "flows"
    write(root / "shop/orders.yml", ORDERS)
    write(root / "shop/orders.test.yml", ORDERS_TESTS)
    write(root / "shop/nightly.yml", NIGHTLY)
    write(root / "shop/tests/nightly.test.yaml", NIGHTLY_TESTS)
    return root


def lanner(*args: str | Path) -> Result:
    env = {"LANNER_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/never-used", "COLUMNS": "200"}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def junit_cases(path: Path) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in ET.parse(path).getroot().iter("testcase")}


def test_passing_cases_with_fixtures_and_junit(folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "reports/junit.xml"
    result = lanner("test", folder, "--junit", report)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "running 4 test cases from 2 file(s)"
    assert any("✓ PASSED  " in line and "orders.test.yml::counts_orders (shop.orders" in line for line in lines)
    assert any("✓ PASSED  " in line and "orders.test.yml::api_down" in line for line in lines)
    assert any("- SKIPPED " in line and "orders.test.yml::not_yet" in line for line in lines)
    assert any("✓ PASSED  " in line and "nightly.test.yaml::runs_the_subflow" in line for line in lines)
    assert lines[-1].startswith("3 passed, 1 skipped in ")

    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == ("4", "0", "0", "1")
    cases = junit_cases(report)
    assert cases["counts_orders"].get("classname") == "shop.orders"
    assert cases["not_yet"].find("skipped") is not None
    assert cases["counts_orders"].find("failure") is None


def test_failing_cases_are_reported_and_exit_1(folder: Path, tmp_path: Path) -> None:
    write(
        folder / "shop/orders.test.yml",
        """\
testCases:
  - id: wrong_expectations
    fixtures:
      tasks:
        - id: fetch
          outputs: {code: 500, body: "0"}
    taskStates: {ok: SUCCESS}
    assertions:
      - "{{ outputs.count.value == 'many' }}"
      - value: "{{ outputs.fetch.code }}"
        equalTo: 200
  - id: no_fixture_calls_the_real_api
    state: SUCCESS
  - id: bad_input
    fixtures:
      inputs: {day: [1, 2]}
""",
    )
    report = tmp_path / "junit.xml"
    result = lanner("test", folder, "--junit", report, "--case", "orders.test")
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "✗ FAILED  " in out
    assert "task ok did not run, expected SUCCESS" in out
    assert "assertion (line 9) \"{{ outputs.count.value == 'many' }}\" is 'false', not true" in out
    assert "assertion (line 10) '{{ outputs.fetch.code }}' is '500'; expected equalTo '200'" in out
    assert "execution ended FAILED, expected SUCCESS" in out  # the real task ran, and failed
    assert "ERROR fetch:" in out  # with the execution's error logs
    assert "! ERROR   " in out
    assert "inputs.day: expected a string, got a list" in out
    assert out.splitlines()[-1].startswith("2 failed, 1 error in ")

    root = ET.parse(report).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "1")
    cases = junit_cases(report)
    failure = cases["wrong_expectations"].find("failure")
    assert failure is not None
    assert failure.get("message") == "task ok did not run, expected SUCCESS"
    assert "expected equalTo '200'" in (failure.text or "")
    assert cases["bad_input"].find("error") is not None


def test_invalid_test_files_are_located_and_nothing_runs(folder: Path) -> None:
    write(
        folder / "shop/orders.test.yml",
        """\
testCases:
  - id: typo
    fixtures:
      tasks:
        - id: fech
          outputs: {}
        - id: check
    taskStates: {count: DONE}
    asserts: []
""",
    )
    write(folder / "shop/lost.test.yml", "testCases: []\n")
    result = lanner("test", folder)
    assert result.exit_code == 1
    err = result.stderr
    test_file = folder / "shop/orders.test.yml"
    assert f"{test_file}:5:15: testCases[0].fixtures.tasks[0].id: flow shop.orders has no task 'fech'" in err
    assert (
        f"{test_file}:7:15: testCases[0].fixtures.tasks[1].id: task 'check' (io.kestra.plugin.core.flow.If) is carried out" in err
    )
    assert f"{test_file}:8:25: testCases[0].taskStates.count: a task state must be one of" in err
    assert f"{test_file}:9:5: testCases[0].asserts: unknown property 'asserts'" in err
    assert f"{folder / 'shop/lost.test.yml'}:1:1: which flow does this test? no lost.yml next to it" in err
    assert "no test was run" in err
    assert result.stdout == ""


def test_an_invalid_flow_stops_the_tests(folder: Path) -> None:
    write(folder / "shop/broken.yml", "id: broken\nnamespace: shop\ntasks:\n  - id: t\n    type: nope.Task\n")
    result = lanner("test", folder)
    assert result.exit_code == 1
    assert f"{folder / 'shop/broken.yml'}:5:11: tasks[0].type: unknown task type 'nope.Task'" in result.stderr
