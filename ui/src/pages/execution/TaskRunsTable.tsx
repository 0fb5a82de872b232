import { memo, useDeferredValue, useMemo } from "react";
import type { TaskRun } from "../../api/types";
import { Empty, StateBadge } from "../../components/common";
import { orderTaskRuns } from "../../executions/taskRuns";
import { formatIsoDuration, formatSeconds, formatTime, secondsBetween } from "../../util/format";

function duration(run: TaskRun, now: number): string {
  if (run.state.duration && run.state.endDate) return formatIsoDuration(run.state.duration);
  const seconds = secondsBetween(run.state.startDate, run.state.endDate, now);
  return seconds === null ? "" : formatSeconds(seconds);
}

/** Rows drawn in the first render of a long table. */
const FIRST_ROWS = 60;

/** Every task run, children under their parent, with its state as it changes (drawn again only
 * when its runs, the time or the callback changed: not for each batch of log lines). */
export const TaskRunsTable = memo(function TaskRunsTable({
  runs,
  now,
  onLogs,
  onReplay,
}: {
  runs: TaskRun[];
  now: number;
  onLogs: (taskId: string) => void;
  /** replay from a task run (ended executions only) */
  onReplay?: (taskRunId: string) => void;
}) {
  const ordered = useMemo(() => orderTaskRuns(runs), [runs]);
  // a long table is drawn first with its first rows, then whole in a background render that
  // a click elsewhere (another tab) interrupts: the page answers before hundreds of rows are drawn
  const rows = useDeferredValue(ordered, ordered.length > FIRST_ROWS ? ordered.slice(0, FIRST_ROWS) : ordered);
  if (!rows.length) return <Empty>No task has started yet.</Empty>;
  return (
    <table className="table" data-testid="task-runs">
      <thead>
        <tr>
          <th>Task</th>
          <th>State</th>
          <th>Started</th>
          <th className="num">Duration</th>
          <th className="num">Attempts</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {rows.map(({ run, depth }) => (
          <tr key={run.id} data-task-id={run.taskId} data-state={run.state.current}>
            <td style={{ paddingLeft: `${0.75 + depth * 1.25}rem` }}>
              <code>{run.taskId}</code>
              {run.value ? <span className="muted small"> [{run.value}]</span> : null}
            </td>
            <td>
              <StateBadge state={run.state.current} />
            </td>
            <td className="small muted">{formatTime(run.state.startDate)}</td>
            <td className="num small">{duration(run, now)}</td>
            <td className="num small">{run.attempts?.length ?? 0}</td>
            <td>
              <button type="button" className="link small" onClick={() => onLogs(run.taskId)}>
                logs
              </button>
              {onReplay && " "}
              {onReplay && (
                <button
                  type="button"
                  className="link small"
                  onClick={() => onReplay(run.id)}
                  title="A new execution that keeps the task runs before this one and runs again from here"
                  data-testid={`replay-from-${run.taskId}`}
                >
                  replay from here
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
});
