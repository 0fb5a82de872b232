"""Garbage in, issues out: never a traceback, whatever the YAML."""

from __future__ import annotations

import io
import random
import string
from typing import Any

import pytest
from ruamel.yaml import YAML

from lanner.errors import FlowValidationError
from lanner.flows import parse_flow, validate_flow

VALID = """id: hello
namespace: company.team
inputs:
  - {id: n, type: INT, defaults: 1}
tasks:
  - id: seq
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - {id: log, type: lanner.core.Log, message: "{{ inputs.n }}"}
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {id: a, type: lanner.core.Log, message: a}
      - task: {id: b, type: lanner.core.Log, message: b}
        dependsOn: [a]
triggers:
  - {id: daily, type: io.kestra.plugin.core.trigger.Schedule, cron: "@daily"}
outputs:
  - {id: o, value: "{{ outputs.log }}"}
labels: [{key: team, value: data}]
pluginDefaults:
  - {type: lanner.core.Log, values: {level: WARN}}
"""

GARBAGE = [
    "", " ", "\n\n", "~", "null", "[]", "{}", "- - -", "0", "-1e9", ".nan", "true", "'", '"', "{", "}", "[", "]", ":", "::",
    "? ", "&a", "*a", "!!binary x", "!!python/object:os.system x", "%YAML 1.1\n---\na: 1", "---\n---", "...", "a: !!set {x}",
    "id: [1, 2]\nnamespace: {a: b}\ntasks: {x: y}", "tasks: [[[[]]]]", "tasks:\n  - tasks:\n    - tasks: [null]",
    "id: f\nnamespace: n\ntasks:\n  - id: t\n    type: lanner.core.Sequential\n    tasks: [{}, 1, [], null]",
    "id: f\nnamespace: n\ntasks:\n  - {id: d, type: lanner.core.Dag, tasks: [{task: 1, dependsOn: 2}, {dependsOn: [1, null]}]}",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Log, message: m}]\ninputs: [1, {id: 2}, {type: []}, {dependsOn: 5}]",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Log, message: m}]\ninputs: [{id: x, dependsOn: {inputs: 7}}]",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Log, message: m}]\npluginDefaults: [{type: '', values: {}}, 3]",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Log, message: m}]\nlabels: [1, {key: 1, value: []}]",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Log, message: m}]\n"
    "triggers: [{type: [x]}, null, {id: a, type: io.kestra.plugin.core.trigger.Schedule, cron: 5}]",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Log, message: m}]\n"
    "triggers: [{id: a, type: io.kestra.plugin.core.trigger.Schedule, cron: '* * * * *', timezone: [1]}]",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Switch, value: x, cases: [1], defaults: {a: b}}]",
    "id: f\nnamespace: n\ntasks: [{id: t, type: lanner.core.Log, message: m, retry: {type: [1]}}]",
    "<<: 5\nid: f", "a: &x {<<: *x}", "\x00\x01", "\ufeffid: f", "id: f\r\nnamespace: n\r\n",
]  # fmt: skip


def assert_no_crash(source: str) -> None:
    issues = validate_flow(source, filename="fuzz.yaml")
    assert all(i.kind != "internal" for i in issues), [i.format() for i in issues]
    for issue in issues:
        assert issue.message and issue.source == "fuzz.yaml"
        assert issue.line is None or issue.line >= 1
        issue.format()


@pytest.mark.parametrize("source", GARBAGE)
def test_garbage_documents(source: str) -> None:
    assert_no_crash(source)
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(source)
    assert caught.value.issues


def test_valid_reference_flow() -> None:
    assert validate_flow(VALID) == []


def _mutations(value: Any, rng: random.Random) -> Any:
    """``value`` with random parts replaced by values of other types."""
    replacements: list[Any] = [None, 0, -1, 1.5, True, "", "x", "{{", "{{ outputs.nope }}", [], {}, [None], {"a": None}]
    if rng.random() < 0.15:
        return rng.choice(replacements)
    if isinstance(value, dict):
        out = {k: _mutations(v, rng) for k, v in value.items() if rng.random() > 0.1}
        if rng.random() < 0.1:
            out[rng.choice(["typo", "tpye", "id", "type", "tasks"])] = rng.choice(replacements)
        return out
    if isinstance(value, list):
        return [_mutations(v, rng) for v in value if rng.random() > 0.1]
    return value


def test_random_mutations_of_a_valid_flow() -> None:
    yaml = YAML(typ="safe", pure=True)
    base = yaml.load(VALID)
    rng = random.Random(1234)
    for _ in range(200):
        mutated = _mutations(base, rng)
        stream = io.StringIO()
        yaml.dump(mutated, stream)
        assert_no_crash(stream.getvalue())


def test_random_text() -> None:
    rng = random.Random(99)
    alphabet = string.printable + "ÿ€😀"
    for _ in range(200):
        cut = rng.randrange(len(VALID))
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 8)))
        assert_no_crash(VALID[:cut] + noise + VALID[cut:])
