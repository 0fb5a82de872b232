import { useEffect, useMemo, useRef, useState } from "react";
import type { LogEntry, LogLevel } from "../../api/types";
import { filterLogs, groupByTaskRun, LEVELS, levelCounts } from "../../logs/filter";
import { formatTime } from "../../util/format";
import type { FollowedLogs } from "./useFollow";

interface Props {
  logs: FollowedLogs;
  taskFilter: string | null;
  onTaskFilter: (taskId: string | null) => void;
}

/** The execution's log lines as they stream in, filtered by level, task and text. */
export function LogsPanel({ logs, taskFilter, onTaskFilter }: Props) {
  const [minLevel, setMinLevel] = useState<LogLevel>("INFO");
  const [text, setText] = useState("");
  const [follow, setFollow] = useState(true);
  const [grouped, setGrouped] = useState(false);
  const bottom = useRef<HTMLDivElement>(null);
  const shown = useMemo(
    () => filterLogs(logs.entries, { minLevel, taskId: taskFilter, text }),
    [logs.entries, minLevel, taskFilter, text],
  );
  const counts = useMemo(() => levelCounts(logs.entries), [logs.entries]);
  useEffect(() => {
    if (follow && logs.live) bottom.current?.scrollIntoView({ block: "end" });
  }, [shown.length, follow, logs.live]);

  return (
    <div className="logs" data-testid="logs">
      <div className="toolbar">
        <label className="small">
          Level{" "}
          <select value={minLevel} onChange={(e) => setMinLevel(e.target.value as LogLevel)} aria-label="Minimum level" data-testid="log-level">
            {LEVELS.map((level) => (
              <option key={level} value={level}>
                {level} and above ({LEVELS.slice(LEVELS.indexOf(level)).reduce((n, l) => n + counts[l], 0)})
              </option>
            ))}
          </select>
        </label>
        <input type="search" placeholder="Search the logs" value={text} onChange={(e) => setText(e.target.value)} aria-label="Search the logs" />
        {taskFilter && (
          <button type="button" className="chip" onClick={() => onTaskFilter(null)} title="Show every task">
            task: {taskFilter} ✕
          </button>
        )}
        <label className="small check">
          <input type="checkbox" checked={grouped} onChange={(e) => setGrouped(e.target.checked)} data-testid="logs-grouped" /> by task
        </label>
        <label className="small check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> follow
        </label>
        <span className={logs.live ? "live-dot on" : "live-dot"} data-testid="logs-live">
          {logs.live ? "live" : "ended"}
        </span>
        <span className="muted small">
          {shown.length} / {logs.entries.length} lines
        </span>
      </div>
      {logs.error ? <div className="banner banner-warn small">The log stream stopped: {String(logs.error)}</div> : null}
      <div className="log-lines" role="log" aria-live="polite">
        {grouped
          ? groupByTaskRun(shown).map((group) => (
              <details open key={group.taskRunId ?? ""} className="log-group" data-testid="log-group" data-task-id={group.taskId ?? ""}>
                <summary>
                  <code>{group.taskId ?? "execution"}</code> <span className="muted small">{group.entries.length} line(s)</span>
                </summary>
                {group.entries.map((entry, index) => (
                  <LogLine key={index} entry={entry} onTaskFilter={onTaskFilter} />
                ))}
              </details>
            ))
          : shown.map((entry, index) => <LogLine key={index} entry={entry} onTaskFilter={onTaskFilter} />)}
        {shown.length === 0 && <div className="muted small empty-logs">{logs.live ? "Waiting for log lines…" : "No line at this level."}</div>}
        <div ref={bottom} />
      </div>
    </div>
  );
}

function LogLine({ entry, onTaskFilter }: { entry: LogEntry; onTaskFilter: (taskId: string | null) => void }) {
  return (
    <div className={`log-line level-${entry.level.toLowerCase()}`} data-level={entry.level}>
      <span className="log-time">{formatTime(entry.timestamp)}</span>
      <span className="log-level">{entry.level}</span>
      {entry.taskId ? (
        <button type="button" className="log-task link" onClick={() => onTaskFilter(entry.taskId ?? null)}>
          {entry.taskId}
        </button>
      ) : (
        <span className="log-task" />
      )}
      <span className="log-message">{entry.message}</span>
    </div>
  );
}
