import { useMemo, useState } from "react";
import { TERMINAL_STATES, type Execution } from "../../api/types";
import { Empty } from "../../components/common";
import { buildGantt } from "../../executions/gantt";
import { formatSeconds } from "../../util/format";
import { useInterval } from "../../util/hooks";

/** Task runs and their attempts on a time axis; a click opens that task's logs. */
export function GanttChart({ execution, onTask }: { execution: Execution; onTask: (taskId: string) => void }) {
  const running = !TERMINAL_STATES.has(execution.state.current);
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), 500, running);
  const gantt = useMemo(() => buildGantt(execution, running ? now : Date.now()), [execution, now, running]);
  if (!gantt.rows.length) return <Empty>No task has started yet.</Empty>;
  const total = (gantt.end - gantt.start) / 1000;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div className="gantt" data-testid="gantt">
      <div className="gantt-row gantt-axis">
        <div className="gantt-name" />
        <div className="gantt-track">
          {ticks.map((tick) => (
            <span key={tick} className="gantt-tick" style={{ left: `${tick * 100}%` }}>
              {formatSeconds(total * tick)}
            </span>
          ))}
        </div>
        <div className="gantt-duration" />
      </div>
      {gantt.rows.map(({ run, depth, span, bar, attempts }) => (
        <button
          type="button"
          key={run.id}
          className="gantt-row"
          data-task-id={run.taskId}
          data-state={span.state}
          onClick={() => onTask(run.taskId)}
          title={`${run.taskId}: ${span.state} — open its logs`}
        >
          <div className="gantt-name" style={{ paddingLeft: `${depth * 14}px` }}>
            <code>{run.taskId}</code>
            {run.value ? <span className="muted small"> [{run.value}]</span> : null}
          </div>
          <div className="gantt-track">
            <div
              className={`gantt-bar state-${span.state.toLowerCase()}${span.running ? " running" : ""}`}
              data-testid="gantt-bar"
              style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
            />
            {attempts.length > 1 &&
              attempts.map((attempt, index) => (
                <div
                  key={index}
                  className={`gantt-attempt state-${attempt.state.toLowerCase()}`}
                  data-testid="gantt-attempt"
                  title={`attempt ${index + 1}: ${attempt.state}`}
                  style={{ left: `${attempt.bar.left}%`, width: `${attempt.bar.width}%` }}
                />
              ))}
          </div>
          <div className="gantt-duration small muted">{formatSeconds((span.end - span.start) / 1000)}</div>
        </button>
      ))}
    </div>
  );
}
