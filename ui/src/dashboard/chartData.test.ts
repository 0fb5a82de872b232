import { describe, expect, it } from "vitest";
import { bucketLabel, chartData, rangeById, rangeQuery, successRatio, type ExecutionStatistics } from "./chartData";

const duration = { min: "PT0S", avg: "PT0S", max: "PT0S", sum: "PT0S", count: 0 };
const bucket = (startDate: string, counts: Record<string, number>, groupBy: "hour" | "day" = "hour"): ExecutionStatistics => ({
  startDate,
  groupBy,
  duration,
  executionCounts: { SUCCESS: 0, FAILED: 0, RUNNING: 0, KILLED: 0, ...counts },
});

describe("rangeQuery", () => {
  const now = new Date("2026-11-30T14:25:10Z");
  it("ends now and starts on a whole bucket", () => {
    expect(rangeQuery(rangeById("24h"), now)).toEqual({
      startDate: "2026-11-29T15:00:00.000Z",
      endDate: "2026-11-30T14:25:10.000Z",
      groupBy: "hour",
    });
    expect(rangeQuery(rangeById("7d"), now).startDate).toBe("2026-11-24T00:00:00.000Z");
    expect(rangeQuery(rangeById("30d"), now).groupBy).toBe("day");
  });
  it("falls back to 7 days for an unknown range", () => {
    expect(rangeById("bogus").id).toBe("7d");
    expect(rangeById(null).id).toBe("7d");
  });
});

describe("bucketLabel", () => {
  it("names hours and days in UTC", () => {
    expect(bucketLabel("2026-11-30T09:00:00Z", "hour")).toBe("09:00");
    expect(bucketLabel("2026-12-01T00:00:00+00:00", "day")).toBe("Dec 1");
  });
});

describe("chartData", () => {
  it("keeps one series per state that occurs, outcomes at the bottom of the stack", () => {
    const data = chartData([
      bucket("2026-11-30T09:00:00Z", { RUNNING: 1, SUCCESS: 2 }),
      bucket("2026-11-30T10:00:00Z", {}),
      bucket("2026-11-30T11:00:00Z", { FAILED: 3, SUCCESS: 1, ODD: 1 }),
    ]);
    expect(data.labels).toEqual(["09:00", "10:00", "11:00"]);
    expect(data.series.map((item) => item.state)).toEqual(["SUCCESS", "FAILED", "RUNNING", "ODD"]);
    expect(data.series[0]).toEqual({ state: "SUCCESS", counts: [2, 0, 1], total: 3 });
    expect(data.series[1].counts).toEqual([0, 0, 3]);
    expect(data.total).toBe(8);
  });
  it("is empty without executions", () => {
    const data = chartData([bucket("2026-11-30T00:00:00Z", {}, "day")]);
    expect(data).toEqual({ labels: ["Nov 30"], series: [], total: 0 });
  });
});

describe("successRatio", () => {
  it("counts the ended executions only", () => {
    expect(successRatio([bucket("2026-11-30T09:00:00Z", { SUCCESS: 2, WARNING: 1, FAILED: 1, RUNNING: 5 })])).toBe(75);
    expect(successRatio([bucket("2026-11-30T09:00:00Z", { SUCCESS: 1, FAILED: 2 })])).toBe(33.3);
    expect(successRatio([bucket("2026-11-30T09:00:00Z", { RUNNING: 2 })])).toBeNull();
  });
});
