import { describe, expect, it } from "vitest";
import { flowKey, offsetOf, taskAt } from "./yamlCursor";

const flow = `id: hello
namespace: company.team
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: Hello
    retry:
      type: constant
      maxAttempts: 3
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: inner
        type: lanner.core.Return
        format: x
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
`;

const at = (line: number, column: number) => taskAt(flow, offsetOf(flow, line, column));

describe("taskAt", () => {
  it("finds the task and the property under the cursor", () => {
    expect(at(6, 8)).toEqual({ type: "io.kestra.plugin.core.log.Log", id: "greet", property: "message", path: "tasks[0]" });
  });

  it("looks through nested objects whose type is not a plugin type", () => {
    expect(at(9, 10)).toMatchObject({ id: "greet", property: "retry" });
  });

  it("finds the innermost task of a flowable", () => {
    expect(at(16, 12)).toMatchObject({ type: "lanner.core.Return", id: "inner", property: "format", path: "tasks[1].then[0]" });
    expect(at(12, 6)).toMatchObject({ id: "branch", property: "condition" });
  });

  it("finds triggers too", () => {
    expect(at(20, 6)).toMatchObject({ type: "io.kestra.plugin.core.trigger.Schedule", property: "cron", path: "triggers[0]" });
  });

  it("is null outside any task", () => {
    expect(at(1, 3)).toBeNull();
    expect(at(2, 5)).toBeNull();
  });

  it("works on half-typed YAML", () => {
    const text = "id: x\ntasks:\n  - id: a\n    type: lanner.core.Log\n    mess";
    expect(taskAt(text, text.length)).toMatchObject({ type: "lanner.core.Log", id: "a" });
  });
});

describe("offsetOf", () => {
  it("counts 1-based lines and columns", () => {
    expect(offsetOf("ab\ncd", 1, 1)).toBe(0);
    expect(offsetOf("ab\ncd", 2, 2)).toBe(4);
    expect(offsetOf("ab\ncd", 9, 1)).toBe(5);
  });
});

describe("flowKey", () => {
  it("reads id and namespace", () => {
    expect(flowKey(flow)).toEqual({ id: "hello", namespace: "company.team" });
    expect(flowKey("- a\n- b")).toEqual({ id: null, namespace: null });
    expect(flowKey("id: [")).toEqual({ id: null, namespace: null });
  });
});
