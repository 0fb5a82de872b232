import { expect, test } from "vitest";
import type { TaskRun } from "../api/types";
import { taskStates, withStates } from "./states";

const run = (taskId: string, current: string, id = `${taskId}-${current}`): TaskRun =>
  ({ id, taskId, executionId: "e", namespace: "n", flowId: "f", state: { current, histories: [] } }) as unknown as TaskRun;

test("one state per task: running first, then failures, then success", () => {
  const states = taskStates([
    run("each", "SUCCESS", "1"),
    run("each", "RUNNING", "2"),
    run("body", "SUCCESS", "3"),
    run("body", "FAILED", "4"),
    run("done", "SUCCESS"),
  ]);
  expect(Object.fromEntries(states)).toEqual({ each: "RUNNING", body: "FAILED", done: "SUCCESS" });
  expect(taskStates(null).size).toBe(0);
});

test("withStates keeps the node objects whose state did not change", () => {
  const base = ["a", "b", "c"].map((id) => ({ id, data: { label: id } as { label: string; state?: string } }));
  const previous = new WeakMap<(typeof base)[number], (typeof base)[number]>();
  const first = withStates(base, (node) => (node.id === "a" ? "RUNNING" : undefined), previous);
  expect(first.map((n) => n.data.state)).toEqual(["RUNNING", undefined, undefined]);
  expect(first[0].data.label).toBe("a");
  expect(base[0].data.state).toBeUndefined(); // the base nodes are left as they are
  const second = withStates(base, (node) => (node.id === "c" ? "SUCCESS" : node.id === "a" ? "RUNNING" : undefined), previous);
  expect(second[0]).toBe(first[0]);
  expect(second[1]).toBe(first[1]);
  expect(second[2]).not.toBe(first[2]);
  expect(second[2].data.state).toBe("SUCCESS");
});
