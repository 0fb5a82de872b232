// Log levels, filtering and grouping for the execution page.
import type { LogEntry, LogLevel } from "../api/types";

export const LEVELS: readonly LogLevel[] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

export function levelRank(level: string): number {
  const normal = level.toUpperCase() === "WARNING" ? "WARN" : level.toUpperCase();
  const index = LEVELS.indexOf(normal as LogLevel);
  return index < 0 ? LEVELS.indexOf("INFO") : index;
}

export interface LogFilter {
  /** keep this level and the more severe ones */
  minLevel: LogLevel;
  /** only the lines of this task (by task id) */
  taskId?: string | null;
  /** text searched in the message, case-insensitive */
  text?: string;
}

export function filterLogs(entries: readonly LogEntry[], filter: LogFilter): LogEntry[] {
  const min = levelRank(filter.minLevel);
  const text = filter.text?.trim().toLowerCase() ?? "";
  return entries.filter(
    (entry) =>
      levelRank(entry.level) >= min &&
      (!filter.taskId || entry.taskId === filter.taskId) &&
      (!text || entry.message.toLowerCase().includes(text)),
  );
}

export interface LogGroup {
  taskRunId: string | null;
  taskId: string | null;
  entries: LogEntry[];
}

/** Lines grouped per task run, groups in the order of their first line (execution-level lines apart). */
export function groupByTaskRun(entries: readonly LogEntry[]): LogGroup[] {
  const groups = new Map<string, LogGroup>();
  for (const entry of entries) {
    const key = entry.taskRunId ?? "";
    let group = groups.get(key);
    if (!group) {
      group = { taskRunId: entry.taskRunId ?? null, taskId: entry.taskId ?? null, entries: [] };
      groups.set(key, group);
    }
    group.entries.push(entry);
  }
  return [...groups.values()];
}

/** Counts per level (WARNING counted as WARN). */
export function levelCounts(entries: readonly LogEntry[]): Record<LogLevel, number> {
  const counts: Record<LogLevel, number> = { TRACE: 0, DEBUG: 0, INFO: 0, WARN: 0, ERROR: 0 };
  for (const entry of entries) counts[LEVELS[levelRank(entry.level)]] += 1;
  return counts;
}
