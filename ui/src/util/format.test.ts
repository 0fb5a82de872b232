import { describe, expect, it } from "vitest";
import { formatIsoDuration, relativeTime, secondsBetween, localToIso } from "./format";
import { namespaceTree } from "./namespaces";

describe("formatIsoDuration", () => {
  it("reads ISO-8601 durations", () => {
    expect(formatIsoDuration("PT0.013S")).toBe("13ms");
    expect(formatIsoDuration("PT1.163S")).toBe("1.16s");
    expect(formatIsoDuration("PT2M3.5S")).toBe("2m 4s");
    expect(formatIsoDuration("PT1H5M")).toBe("1h 5m");
    expect(formatIsoDuration("P1DT2H")).toBe("1d 2h");
    expect(formatIsoDuration(null)).toBe("");
    expect(formatIsoDuration("soon")).toBe("soon");
  });
});

describe("dates", () => {
  const now = Date.parse("2024-01-02T12:00:00Z");
  it("measures and describes elapsed time", () => {
    expect(secondsBetween("2024-01-02T11:59:00Z", null, now)).toBe(60);
    expect(secondsBetween("2024-01-02T11:00:00Z", "2024-01-02T11:00:30Z", now)).toBe(30);
    expect(secondsBetween(null)).toBeNull();
    expect(relativeTime("2024-01-02T11:59:50Z", now)).toBe("just now");
    expect(relativeTime("2024-01-02T11:30:00Z", now)).toBe("30 min ago");
    expect(relativeTime("2024-01-01T11:00:00Z", now)).toBe("yesterday");
  });
});

describe("namespaceTree", () => {
  it("nests namespaces by their dotted segments", () => {
    const tree = namespaceTree(["company.team", "company.team.sub", "other", "company.data"]);
    expect(tree.map((n) => [n.name, n.real])).toEqual([
      ["company", false],
      ["other", true],
    ]);
    expect(tree[0].children.map((n) => n.label)).toEqual(["data", "team"]);
    expect(tree[0].children[1].children[0]).toMatchObject({ name: "company.team.sub", label: "sub", real: true });
  });
});

describe("localToIso", () => {
  it("reads a datetime-local value in the browser's time zone", () => {
    const value = "2026-03-01T08:30";
    expect(localToIso(value)).toBe(new Date(2026, 2, 1, 8, 30).toISOString());
  });
  it("is undefined for an empty or invalid value", () => {
    expect(localToIso("")).toBeUndefined();
    expect(localToIso("not a date")).toBeUndefined();
  });
});
