// Task runs in display order: each child right after its parent (a flowable task's children),
// siblings by start date; `depth` says how far to indent. The Gantt view reuses this order.
import type { TaskRun } from "../api/types";

export interface TaskRunRow {
  run: TaskRun;
  depth: number;
}

function startOf(run: TaskRun): string {
  return run.state.startDate ?? run.state.histories?.[0]?.date ?? "";
}

export function orderTaskRuns(runs: readonly TaskRun[]): TaskRunRow[] {
  const ids = new Set(runs.map((run) => run.id));
  const children = new Map<string, TaskRun[]>();
  const roots: TaskRun[] = [];
  for (const run of runs) {
    const parent = run.parentTaskRunId;
    if (parent && ids.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(run);
      children.set(parent, list);
    } else roots.push(run);
  }
  const byStart = (a: TaskRun, b: TaskRun) => startOf(a).localeCompare(startOf(b));
  const rows: TaskRunRow[] = [];
  const visit = (run: TaskRun, depth: number) => {
    rows.push({ run, depth });
    for (const child of (children.get(run.id) ?? []).sort(byStart)) visit(child, depth + 1);
  };
  for (const run of [...roots].sort(byStart)) visit(run, 0);
  return rows;
}

/** Task runs keyed by id, merged: an update replaces a run, runs not in the update stay. */
export function mergeTaskRuns(previous: readonly TaskRun[], update: readonly TaskRun[]): TaskRun[] {
  const merged = new Map(previous.map((run) => [run.id, run]));
  for (const run of update) merged.set(run.id, run);
  return [...merged.values()];
}
