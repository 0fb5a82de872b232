import { describe, expect, it } from "vitest";
import type { Execution, TaskRun } from "../api/types";
import { childrenOf, fileName, hasFile, isFileUri, metricsOf, parentOf, runsWithOutputs } from "./details";

const run = (taskId: string, extra: Partial<TaskRun> = {}): TaskRun => ({
  id: `tr-${taskId}`,
  executionId: "e1",
  namespace: "n",
  flowId: "f",
  taskId,
  state: { current: "SUCCESS", histories: [] },
  ...extra,
});

const execution = (extra: Partial<Execution> = {}): Execution => ({
  id: "e1",
  namespace: "n",
  flowId: "f",
  flowRevision: 1,
  state: { current: "SUCCESS", histories: [] },
  ...extra,
});

describe("execution details", () => {
  it("knows internal storage URIs", () => {
    expect(isFileUri("lanner:///n/f/e1/out.csv")).toBe(true);
    expect(isFileUri("kestra:///a/b.txt")).toBe(true);
    expect(isFileUri("https://x/y")).toBe(false);
    expect(isFileUri(3)).toBe(false);
    expect(hasFile({ outputFiles: { "a.csv": "lanner:///x/a.csv" } })).toBe(true);
    expect(hasFile([{ a: 1 }, "text"])).toBe(false);
    expect(fileName("lanner:///n/f/e1/out.csv")).toBe("out.csv");
  });

  it("finds the parent execution in the subflow trigger", () => {
    const child = execution({
      id: "c1",
      parentId: "e1",
      trigger: { id: "sub", type: "io.kestra.plugin.core.flow.Subflow", variables: { executionId: "e1", namespace: "n", flowId: "p" } },
    });
    expect(parentOf(child)).toEqual({ id: "e1", namespace: "n", flowId: "p" });
    expect(parentOf(execution())).toBeNull();
    expect(parentOf(execution({ parentId: "e1" }))).toBeNull(); // itself
  });

  it("lists the subflow executions started by task runs", () => {
    const parent = execution({ taskRunList: [run("a"), run("sub", { outputs: { executionId: "c1", state: "SUCCESS" } })] });
    expect(childrenOf(parent)).toEqual([{ taskId: "sub", id: "c1" }]);
  });

  it("collects the metrics of every attempt", () => {
    const runs = [
      run("a", {
        attempts: [
          { state: { current: "FAILED", histories: [] }, metrics: [{ name: "rows", type: "counter", value: 3, tags: {} }] },
          { state: { current: "SUCCESS", histories: [] }, metrics: [{ name: "took", type: "timer", value: 1.5 }, { bad: 1 }] },
        ],
      }),
    ];
    expect(metricsOf(runs)).toEqual([
      { taskId: "a", attempt: 1, name: "rows", type: "counter", value: 3, tags: {} },
      { taskId: "a", attempt: 2, name: "took", type: "timer", value: 1.5, tags: {} },
    ]);
    expect(runsWithOutputs([run("a"), run("b", { outputs: { x: 1 } })]).map((r) => r.taskId)).toEqual(["b"]);
  });
});
