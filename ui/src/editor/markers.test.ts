import { describe, expect, it } from "vitest";
import { issueMessage, issuesToMarkers } from "./markers";

const source = `id: x
namespace: company.team
tasks:
  - id: a
    type: io.kestra.plugin.core.log.Log
    mesage: hi
`;

describe("issuesToMarkers", () => {
  it("underlines the property name at the server's line and column", () => {
    const [marker] = issuesToMarkers(
      [{ message: "unknown property 'mesage'", path: "tasks[0].mesage", line: 6, column: 5, hint: "did you mean 'message'?" }],
      source,
    );
    expect(marker).toMatchObject({ startLineNumber: 6, startColumn: 5, endLineNumber: 6, endColumn: 11, severity: "error" });
    expect(marker.message).toBe("unknown property 'mesage' (at tasks[0].mesage)\nHint: did you mean 'message'?");
  });

  it("underlines a value to the end of the line", () => {
    const [marker] = issuesToMarkers([{ message: "unknown type", line: 5, column: 11 }], source);
    expect(marker.startColumn).toBe(11);
    expect(marker.endColumn).toBe("    type: io.kestra.plugin.core.log.Log".length + 1);
  });

  it("places an issue without position on the first line, from its first character", () => {
    const [marker] = issuesToMarkers([{ message: "missing property 'tasks'", path: "tasks" }], "  id: x\n");
    expect(marker).toMatchObject({ startLineNumber: 1, startColumn: 3, endColumn: 5 });
  });

  it("keeps positions inside the text (a stale line number never throws)", () => {
    const [marker] = issuesToMarkers([{ message: "late", line: 99, column: 40 }], "id: x\nnamespace: y");
    expect(marker.startLineNumber).toBe(2);
    expect(marker.startColumn).toBeGreaterThanOrEqual(1);
    expect(marker.endColumn).toBeGreaterThan(marker.startColumn);
    expect(marker.endColumn).toBeLessThanOrEqual("namespace: y".length + 1);
  });

  it("marks something visible on an empty line", () => {
    const [marker] = issuesToMarkers([{ message: "x", line: 2, column: 1 }], "a: 1\n\nb: 2");
    expect(marker).toMatchObject({ startLineNumber: 2, startColumn: 1, endColumn: 2 });
  });
});

describe("issueMessage", () => {
  it("does not repeat a path the message already names", () => {
    expect(issueMessage({ message: "tasks[0].id: too long", path: "tasks[0].id" })).toBe("tasks[0].id: too long");
  });
});
