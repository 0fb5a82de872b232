import { describe, expect, it } from "vitest";
import { groupOperations, type OpenApi } from "./openapi";

const spec: OpenApi = {
  paths: {
    "/api/v1/flows": { get: { tags: ["Flows"], summary: "Search flows" }, post: { tags: ["Flows"], summary: "Create", requestBody: { content: { "application/x-yaml": {} } } } },
    "/api/v1/triggers/search": { get: { tags: ["Triggers"], summary: "Search for triggers" } },
    "/health": { get: { summary: "Health" } },
  },
};

describe("OpenAPI operations", () => {
  it("groups by tag, in order", () => {
    const groups = groupOperations(spec);
    expect(groups.map(([tag, ops]) => [tag, ops.length])).toEqual([
      ["Flows", 2],
      ["Other", 1],
      ["Triggers", 1],
    ]);
    expect(groups[0][1][1].bodyTypes).toEqual(["application/x-yaml"]);
  });
  it("filters by path or summary", () => {
    expect(groupOperations(spec, "TRIGGER").map(([tag]) => tag)).toEqual(["Triggers"]);
    expect(groupOperations(spec, "create")[0][1].map((op) => op.method)).toEqual(["post"]);
  });
});
