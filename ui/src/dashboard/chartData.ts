// The dashboard's chart data: the server counts executions per hour or day (UTC) and state
// (POST /executions/statistics/daily, every bucket of the range, empty ones with zeros); here
// the buckets become bar labels and one stacked series per state that occurs.
import { TERMINAL_STATES } from "../api/types";

export interface ExecutionStatistics {
  /** the bucket's start, UTC */
  startDate: string;
  groupBy: "hour" | "day";
  duration: { min: string; avg: string; max: string; sum: string; count: number };
  executionCounts: Record<string, number>;
}

export interface Range {
  id: string;
  label: string;
  hours: number;
  groupBy: "hour" | "day";
}

export const RANGES: readonly Range[] = [
  { id: "24h", label: "Last 24 hours", hours: 24, groupBy: "hour" },
  { id: "7d", label: "Last 7 days", hours: 7 * 24, groupBy: "day" },
  { id: "30d", label: "Last 30 days", hours: 30 * 24, groupBy: "day" },
];

export function rangeById(id: string | null): Range {
  return RANGES.find((range) => range.id === id) ?? RANGES[1];
}

/** The request body for `range` ending `now`: whole buckets, so the first bar is not a sliver. */
export function rangeQuery(range: Range, now: Date): { startDate: string; endDate: string; groupBy: "hour" | "day" } {
  const start = new Date(now.getTime() - range.hours * 3600_000);
  if (range.groupBy === "day") start.setUTCHours(0, 0, 0, 0);
  else start.setUTCMinutes(0, 0, 0);
  if (range.groupBy === "day")
    start.setUTCDate(start.getUTCDate() + 1); // 7 days: today and the 6 before
  else start.setUTCHours(start.getUTCHours() + 1); // 24 hours: this one and the 23 before
  return { startDate: start.toISOString(), endDate: now.toISOString(), groupBy: range.groupBy };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `14:00` for an hour, `Nov 30` for a day (UTC, as the server counts). */
export function bucketLabel(startDate: string, groupBy: "hour" | "day"): string {
  const date = new Date(startDate);
  if (groupBy === "hour") return `${String(date.getUTCHours()).padStart(2, "0")}:00`;
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
}

/** Stacking order: outcomes first (bottom), then what is still going on. */
export const STATE_ORDER = [
  "SUCCESS",
  "WARNING",
  "FAILED",
  "KILLED",
  "CANCELLED",
  "SKIPPED",
  "RUNNING",
  "RETRYING",
  "KILLING",
  "PAUSED",
  "QUEUED",
  "CREATED",
];

export interface Series {
  state: string;
  counts: number[];
  total: number;
}

export interface ChartData {
  labels: string[];
  series: Series[];
  total: number;
}

/** One series per state with at least one execution in the range, in `STATE_ORDER`. */
export function chartData(buckets: readonly ExecutionStatistics[]): ChartData {
  const labels = buckets.map((bucket) => bucketLabel(bucket.startDate, bucket.groupBy));
  const states = new Set<string>();
  for (const bucket of buckets)
    for (const [state, count] of Object.entries(bucket.executionCounts)) if (count > 0) states.add(state);
  const ordered = [
    ...STATE_ORDER.filter((state) => states.has(state)),
    ...[...states].filter((state) => !STATE_ORDER.includes(state)).sort(),
  ];
  const series = ordered.map((state) => {
    const counts = buckets.map((bucket) => bucket.executionCounts[state] ?? 0);
    return { state, counts, total: counts.reduce((sum, count) => sum + count, 0) };
  });
  return { labels, series, total: series.reduce((sum, item) => sum + item.total, 0) };
}

const SUCCESSFUL = new Set(["SUCCESS", "WARNING", "SKIPPED"]);

/** Successful among the ended executions of the range, in percent (null: none ended). */
export function successRatio(buckets: readonly ExecutionStatistics[]): number | null {
  let ended = 0;
  let successful = 0;
  for (const bucket of buckets) {
    for (const [state, count] of Object.entries(bucket.executionCounts)) {
      if (!TERMINAL_STATES.has(state)) continue;
      ended += count;
      if (SUCCESSFUL.has(state)) successful += count;
    }
  }
  return ended ? Math.round((1000 * successful) / ended) / 10 : null;
}

/** The CSS variable holding a state's colour (the same as its badge). */
export function stateColorVariable(state: string): string {
  switch (state) {
    case "SUCCESS":
      return "--s-success";
    case "WARNING":
      return "--s-warning";
    case "FAILED":
      return "--s-failed";
    case "KILLED":
    case "KILLING":
    case "CANCELLED":
      return "--s-killed";
    case "RUNNING":
    case "RETRYING":
      return "--s-running";
    case "PAUSED":
      return "--s-paused";
    default:
      return "--s-created";
  }
}
