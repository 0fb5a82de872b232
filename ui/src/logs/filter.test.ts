import { describe, expect, it } from "vitest";
import type { LogEntry } from "../api/types";
import { filterLogs, groupByTaskRun, levelCounts, levelRank } from "./filter";

const line = (level: LogEntry["level"], message: string, taskId: string | null, taskRunId: string | null): LogEntry => ({
  executionId: "e",
  namespace: "n",
  flowId: "f",
  level,
  message,
  taskId,
  taskRunId,
  timestamp: "2024-01-01T00:00:00Z",
});

const entries = [
  line("INFO", "starting", null, null),
  line("DEBUG", "details", "a", "r1"),
  line("WARNING", "slow", "a", "r1"),
  line("ERROR", "Boom", "b", "r2"),
  line("INFO", "again", "a", "r3"),
];

describe("log filtering", () => {
  it("keeps the level and the more severe ones; WARNING is WARN", () => {
    expect(levelRank("WARNING")).toBe(levelRank("WARN"));
    expect(filterLogs(entries, { minLevel: "WARN" }).map((e) => e.message)).toEqual(["slow", "Boom"]);
    expect(filterLogs(entries, { minLevel: "TRACE" })).toHaveLength(5);
  });

  it("filters by task and by text, case-insensitively", () => {
    expect(filterLogs(entries, { minLevel: "TRACE", taskId: "a" }).map((e) => e.message)).toEqual(["details", "slow", "again"]);
    expect(filterLogs(entries, { minLevel: "INFO", text: "boom" }).map((e) => e.message)).toEqual(["Boom"]);
  });

  it("groups lines per task run in order of appearance", () => {
    const groups = groupByTaskRun(entries);
    expect(groups.map((g) => [g.taskRunId, g.taskId, g.entries.length])).toEqual([
      [null, null, 1],
      ["r1", "a", 2],
      ["r2", "b", 1],
      ["r3", "a", 1],
    ]);
  });

  it("counts lines per level", () => {
    expect(levelCounts(entries)).toEqual({ TRACE: 0, DEBUG: 1, INFO: 2, WARN: 1, ERROR: 1 });
  });
});
