import { describe, expect, test } from "vitest";
import type { Execution, State, TaskRun } from "../api/types";
import { buildGantt, spanOf } from "./gantt";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function state(current: string, from: number, to?: number): State {
  const histories = [{ state: "CREATED", date: at(from) }] as State["histories"];
  if (to !== undefined) histories.push({ state: current, date: at(to) } as State["histories"][number]);
  else histories.push({ state: "RUNNING", date: at(from) } as State["histories"][number]);
  return { current, histories } as State;
}

function run(taskId: string, s: State, extra: Partial<TaskRun> = {}): TaskRun {
  return { id: taskId, taskId, executionId: "e", namespace: "n", flowId: "f", state: s, ...extra } as TaskRun;
}

function execution(runs: TaskRun[], s: State): Execution {
  return { id: "e", namespace: "n", flowId: "f", flowRevision: 1, state: s, taskRunList: runs } as Execution;
}

describe("spanOf", () => {
  test("ended states run from their first to their last history; running ones up to now", () => {
    expect(spanOf(state("SUCCESS", 2, 5), T0 + 99_000)).toEqual({ start: T0 + 2000, end: T0 + 5000, running: false, state: "SUCCESS" });
    expect(spanOf(state("RUNNING", 2), T0 + 7000)).toEqual({ start: T0 + 2000, end: T0 + 7000, running: true, state: "RUNNING" });
    expect(spanOf({ current: "CREATED", histories: [] }, T0)).toBeNull();
  });

  test("explicit start and end dates win over the histories", () => {
    const s = { ...state("FAILED", 0, 10), startDate: at(1), endDate: at(4) };
    expect(spanOf(s, T0)).toMatchObject({ start: T0 + 1000, end: T0 + 4000 });
  });
});

describe("buildGantt", () => {
  test("bars are placed on an axis from the first start to the last end", () => {
    const gantt = buildGantt(
      execution(
        [
          run("a", state("SUCCESS", 0, 2)),
          run("b", state("FAILED", 2, 10), {
            attempts: [{ state: state("FAILED", 2, 4) }, { state: state("FAILED", 6, 10) }],
          }),
        ],
        state("FAILED", 0, 10),
      ),
      T0 + 60_000,
    );
    expect(gantt.start).toBe(T0);
    expect(gantt.end).toBe(T0 + 10_000);
    expect(gantt.rows.map((row) => [row.run.taskId, row.bar])).toEqual([
      ["a", { left: 0, width: 20 }],
      ["b", { left: 20, width: 80 }],
    ]);
    expect(gantt.rows[1].attempts.map((attempt) => attempt.bar)).toEqual([
      { left: 20, width: 20 },
      { left: 60, width: 40 },
    ]);
  });

  test("while running, the axis ends now and the running bar grows with it", () => {
    const runs = [run("a", state("SUCCESS", 0, 2)), run("b", state("RUNNING", 2))];
    const running = state("RUNNING", 0);
    const early = buildGantt(execution(runs, running), T0 + 4000);
    const later = buildGantt(execution(runs, running), T0 + 10_000);
    expect(early.rows[1].bar).toEqual({ left: 50, width: 50 });
    expect(later.rows[1].bar).toEqual({ left: 20, width: 80 });
    expect(later.rows[0].bar).toEqual({ left: 0, width: 20 });
    expect(later.rows[1].span.running).toBe(true);
  });

  test("children follow their parent; an instant run still shows a sliver", () => {
    const gantt = buildGantt(
      execution(
        [
          run("child", state("SUCCESS", 1, 1), { id: "c", parentTaskRunId: "p" }),
          run("parent", state("SUCCESS", 0, 4), { id: "p" }),
        ],
        state("SUCCESS", 0, 4),
      ),
      T0,
    );
    expect(gantt.rows.map((row) => [row.run.taskId, row.depth])).toEqual([
      ["parent", 0],
      ["child", 1],
    ]);
    expect(gantt.rows[1].bar.width).toBeGreaterThan(0);
  });

  test("no task run yet: no rows", () => {
    expect(buildGantt(execution([], { current: "CREATED", histories: [] }), T0).rows).toEqual([]);
  });
});
