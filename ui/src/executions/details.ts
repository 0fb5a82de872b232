// What the execution page reads out of an execution beside its task runs: files among the
// values (internal storage URIs), the parent execution of a subflow execution, the subflow
// executions its task runs started, and the metrics of every attempt.
import type { Execution, TaskRun } from "../api/types";

/** An internal storage URI (`lanner:///…`, or Kestra's `kestra:///…`): a file to preview or download. */
export function isFileUri(value: unknown): value is string {
  return typeof value === "string" && /^(lanner|kestra):\/\/\//.test(value);
}

/** Whether a value holds a file URI, at any depth. */
export function hasFile(value: unknown, depth = 0): boolean {
  if (isFileUri(value)) return true;
  if (depth > 8 || value === null || typeof value !== "object") return false;
  return Object.values(value).some((item) => hasFile(item, depth + 1));
}

export function fileName(uri: string): string {
  return uri.split("/").pop() || uri;
}

export interface ExecutionRef {
  id: string;
  namespace: string;
  flowId: string;
}

/** The execution that started this one through a Subflow task (its trigger says which). */
export function parentOf(execution: Execution): ExecutionRef | null {
  const variables = (execution.trigger?.variables ?? null) as Record<string, unknown> | null;
  const id = typeof variables?.executionId === "string" ? variables.executionId : execution.parentId;
  if (!id || id === execution.id) return null;
  return {
    id,
    namespace: typeof variables?.namespace === "string" ? variables.namespace : "",
    flowId: typeof variables?.flowId === "string" ? variables.flowId : "",
  };
}

/** The executions started by the task runs (a Subflow task run's `outputs.executionId`). */
export function childrenOf(execution: Execution): { taskId: string; id: string }[] {
  return (execution.taskRunList ?? []).flatMap((run) => {
    const id = run.outputs?.executionId;
    return typeof id === "string" && id !== execution.id ? [{ taskId: run.taskId, id }] : [];
  });
}

export interface MetricRow {
  taskId: string;
  attempt: number;
  name: string;
  type: string;
  value: number;
  tags: Record<string, string>;
}

/** Every metric of every attempt, in task-run order. */
export function metricsOf(runs: TaskRun[]): MetricRow[] {
  return runs.flatMap((run) =>
    (run.attempts ?? []).flatMap((attempt, index) =>
      (attempt.metrics ?? []).flatMap((raw) => {
        const metric = raw as { name?: unknown; type?: unknown; value?: unknown; tags?: unknown };
        if (typeof metric.name !== "string" || typeof metric.value !== "number") return [];
        return [
          {
            taskId: run.taskId,
            attempt: index + 1,
            name: metric.name,
            type: typeof metric.type === "string" ? metric.type : "counter",
            value: metric.value,
            tags: (metric.tags && typeof metric.tags === "object" ? metric.tags : {}) as Record<string, string>,
          },
        ];
      }),
    ),
  );
}

/** The task runs that have outputs, for the outputs browser. */
export function runsWithOutputs(runs: TaskRun[]): TaskRun[] {
  return runs.filter((run) => run.outputs && Object.keys(run.outputs).length > 0);
}
