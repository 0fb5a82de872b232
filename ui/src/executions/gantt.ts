// Bars of the Gantt chart: each task run (in display order) and each of its attempts on a time
// axis running from the execution's first start to its last end — or to now while something
// still runs, so running bars grow as time passes. Times come from the state histories.
import { TERMINAL_STATES, type Execution, type State } from "../api/types";
import { orderTaskRuns, type TaskRunRow } from "./taskRuns";

export interface Span {
  /** epoch milliseconds */
  start: number;
  end: number;
  running: boolean;
  state: string;
}

export interface Bar {
  /** percent of the axis width */
  left: number;
  width: number;
}

export interface GanttRow extends TaskRunRow {
  span: Span;
  bar: Bar;
  attempts: (Span & { bar: Bar })[];
}

export interface Gantt {
  start: number;
  end: number;
  rows: GanttRow[];
}

function time(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const value = Date.parse(iso);
  return Number.isNaN(value) ? null : value;
}

/** When a state began and ended: its start date (or first history), its end date (or the last
 * history once terminal), now while it is not over. Null when nothing says when it began. */
export function spanOf(state: State, now: number): Span | null {
  const histories = state.histories ?? [];
  const start = time(state.startDate) ?? time(histories[0]?.date);
  if (start === null) return null;
  const running = !TERMINAL_STATES.has(state.current);
  const end = running ? now : (time(state.endDate) ?? time(histories[histories.length - 1]?.date) ?? start);
  return { start, end: Math.max(start, end), running, state: state.current };
}

const MIN_WIDTH = 0.4;

function place(span: Span, start: number, length: number): Bar {
  const left = ((span.start - start) / length) * 100;
  const width = Math.max(MIN_WIDTH, ((span.end - span.start) / length) * 100);
  return { left: Math.min(left, 100 - MIN_WIDTH), width: Math.min(width, 100 - Math.min(left, 100 - MIN_WIDTH)) };
}

export function buildGantt(execution: Execution, now: number): Gantt {
  const rows = orderTaskRuns(execution.taskRunList ?? []);
  const spans = rows.map((row) => ({ row, span: spanOf(row.run.state, now) }));
  const known = spans.flatMap(({ span }) => (span ? [span] : []));
  const own = spanOf(execution.state, now);
  const start = Math.min(...known.map((s) => s.start), own?.start ?? Infinity);
  const end = Math.max(...known.map((s) => s.end), own?.end ?? -Infinity);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return { start: now, end: now, rows: [] };
  const length = Math.max(end - start, 1);
  return {
    start,
    end,
    rows: spans.flatMap(({ row, span }) => {
      if (!span) return [];
      const attempts = (row.run.attempts ?? []).flatMap((attempt) => {
        const found = spanOf(attempt.state, now);
        return found ? [{ ...found, bar: place(found, start, length) }] : [];
      });
      return [{ ...row, span, bar: place(span, start, length), attempts }];
    }),
  };
}
