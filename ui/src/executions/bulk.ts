// Bulk actions on the executions list: which of the selected executions each action applies to
// (the API's by-ids endpoints refuse the whole batch when one execution does not qualify).
import { TERMINAL_STATES, type Execution } from "../api/types";

export type BulkAction = "kill" | "restart" | "delete";

const RESTARTABLE = new Set(["FAILED", "KILLED", "CANCELLED", "WARNING"]);

export function appliesTo(action: BulkAction, execution: Execution): boolean {
  const state = execution.state.current;
  if (action === "kill") return !TERMINAL_STATES.has(state);
  if (action === "restart") return RESTARTABLE.has(state);
  return TERMINAL_STATES.has(state);
}

/** The ids of the selected executions the action applies to, in list order. */
export function eligible(action: BulkAction, executions: readonly Execution[], selected: ReadonlySet<string>): string[] {
  return executions.filter((execution) => selected.has(execution.id) && appliesTo(action, execution)).map((execution) => execution.id);
}
