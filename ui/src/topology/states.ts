// One state per task for the topology's colours: a task that ran several times (a ForEach body,
// retries, a restart) shows the state that most needs attention.
import type { TaskRun } from "../api/types";

// earlier wins: what is happening now, then what went wrong, then what went fine
const PRIORITY = ["RUNNING", "KILLING", "RETRYING", "RESTARTED", "PAUSED", "CREATED", "QUEUED", "FAILED", "KILLED", "WARNING", "CANCELLED", "SUCCESS", "SKIPPED", "RETRIED"];

function rank(state: string): number {
  const index = PRIORITY.indexOf(state);
  return index < 0 ? PRIORITY.length : index;
}

export function taskStates(runs: readonly TaskRun[] | null | undefined): Map<string, string> {
  const states = new Map<string, string>();
  for (const run of runs ?? []) {
    const state = run.state.current;
    const known = states.get(run.taskId);
    if (known === undefined || rank(state) < rank(known)) states.set(run.taskId, state);
  }
  return states;
}

interface Stated {
  data: { state?: string };
}

/** Drawn nodes, each with its state. A node whose state did not change since `previous` (the
 * last call's result, by base node) is the very object returned then: @xyflow/react then redraws
 * only the nodes whose colour changed as the task runs progress. */
export function withStates<N extends Stated>(
  base: readonly N[],
  stateOf: (node: N) => string | undefined,
  previous: WeakMap<N, N>,
): N[] {
  return base.map((node) => {
    const state = stateOf(node);
    const known = previous.get(node);
    if (known && known.data.state === state) return known;
    const stated = { ...node, data: { ...node.data, state } };
    previous.set(node, stated);
    return stated;
  });
}
