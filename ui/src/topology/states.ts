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
