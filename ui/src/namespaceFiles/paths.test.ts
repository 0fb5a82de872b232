import { describe, expect, it } from "vitest";
import { baseName, joinPath, languageFor, movedPath, parentOf, pathProblem, sortEntries } from "./paths";

describe("paths", () => {
  it("joins, splits and moves", () => {
    expect(joinPath("", "etl.py")).toBe("etl.py");
    expect(joinPath("scripts", " /sub/etl.py ")).toBe("scripts/sub/etl.py");
    expect(parentOf("scripts/sub/etl.py")).toBe("scripts/sub");
    expect(parentOf("etl.py")).toBe("");
    expect(baseName("scripts/etl.py")).toBe("etl.py");
    expect(movedPath("scripts/sub/etl.py", "scripts", "code")).toBe("code/sub/etl.py");
    expect(movedPath("scripts2/etl.py", "scripts", "code")).toBe("scripts2/etl.py");
  });

  it("refuses names the server would refuse, with a reason", () => {
    expect(pathProblem("etl.py")).toBeNull();
    expect(pathProblem("a/b/c.sql")).toBeNull();
    expect(pathProblem("  ")).toBe("Give a name.");
    expect(pathProblem("../x")).toMatch(/\.\./);
    expect(pathProblem("a//b")).toMatch(/empty/);
    expect(pathProblem("a\\b")).toMatch(/\//);
  });

  it("picks the editor language by extension or name", () => {
    expect(languageFor("scripts/etl.py")).toBe("python");
    expect(languageFor("q.SQL")).toBe("sql");
    expect(languageFor("deploy/Dockerfile")).toBe("dockerfile");
    expect(languageFor("flows/x.yml")).toBe("yaml");
    expect(languageFor("notes")).toBe("plaintext");
    expect(languageFor(".env")).toBe("plaintext");
    expect(languageFor("data.unknown")).toBe("plaintext");
  });

  it("sorts folders first, then by name", () => {
    const sorted = sortEntries([
      { fileName: "b.py", type: "File", size: 1 },
      { fileName: "z", type: "Directory", size: 0 },
      { fileName: "a.py", type: "File", size: 1 },
      { fileName: "c", type: "Directory", size: 0 },
    ]);
    expect(sorted.map((entry) => entry.fileName)).toEqual(["c", "z", "a.py", "b.py"]);
  });
});
