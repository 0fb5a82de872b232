import { expect, test } from "vitest";
import type { TaskRun } from "../api/types";
import { taskStates } from "./states";

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
