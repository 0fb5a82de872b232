import { describe, expect, it } from "vitest";
import type { StateType, TaskRun } from "../api/types";
import { mergeTaskRuns, orderTaskRuns } from "./taskRuns";

const run = (id: string, taskId: string, start: string, parent: string | null = null, state: StateType = "SUCCESS"): TaskRun => ({
  id,
  executionId: "e",
  namespace: "n",
  flowId: "f",
  taskId,
  parentTaskRunId: parent,
  state: { current: state, histories: [], startDate: start },
});

describe("orderTaskRuns", () => {
  it("puts children right after their parent, siblings by start", () => {
    const runs = [
      run("c2", "eu", "2024-01-01T00:00:03Z", "p"),
      run("load", "load", "2024-01-01T00:00:09Z"),
      run("p", "extract", "2024-01-01T00:00:01Z"),
      run("c1", "us", "2024-01-01T00:00:02Z", "p"),
      run("g", "nested", "2024-01-01T00:00:04Z", "c1"),
    ];
    expect(orderTaskRuns(runs).map(({ run, depth }) => `${run.taskId}:${depth}`)).toEqual([
      "extract:0",
      "us:1",
      "nested:2",
      "eu:1",
      "load:0",
    ]);
  });

  it("shows a run whose parent is unknown at the top level", () => {
    expect(orderTaskRuns([run("x", "x", "2024-01-01T00:00:00Z", "missing")])).toEqual([
      { run: expect.objectContaining({ id: "x" }), depth: 0 },
    ]);
  });
});

describe("mergeTaskRuns", () => {
  it("replaces updated runs and keeps the others", () => {
    const merged = mergeTaskRuns(
      [run("a", "a", "t1", null, "RUNNING"), run("b", "b", "t2")],
      [run("a", "a", "t1", null, "SUCCESS"), run("c", "c", "t3")],
    );
    expect(merged.map((r) => `${r.id}:${r.state.current}`)).toEqual(["a:SUCCESS", "b:SUCCESS", "c:SUCCESS"]);
  });
});
