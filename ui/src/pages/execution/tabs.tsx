// The tabs of the execution page. A new view (Gantt, topology with live states, outputs
// browser) is one more entry: it receives the live execution and its followed logs.
import type { ReactNode } from "react";
import type { Execution } from "../../api/types";
import type { FollowedLogs } from "./useFollow";

export interface ExecutionContext {
  execution: Execution;
  logs: FollowedLogs;
  /** open the logs of one task */
  showTaskLogs: (taskId: string | null) => void;
  taskFilter: string | null;
  /** a new execution from this one, from a task run when given; the page moves to it */
  replay: (taskRunId?: string) => void;
}

export interface ExecutionTab {
  id: string;
  label: string;
  render: (context: ExecutionContext) => ReactNode;
}
