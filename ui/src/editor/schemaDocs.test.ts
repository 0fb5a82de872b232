import { describe, expect, it } from "vitest";
import type { PluginDoc } from "../api/types";
import { describeProperties, markdownExamples, typeDoc, typeOf } from "./schemaDocs";

describe("typeOf", () => {
  it("names types as people read them", () => {
    expect(typeOf({ type: "string" })).toBe("string");
    expect(typeOf({ anyOf: [{ type: "integer" }, { type: "null" }] })).toBe("integer");
    expect(typeOf({ type: "array", items: { type: "string" } })).toBe("list of string");
    expect(typeOf({ type: "object", additionalProperties: { type: "integer" } })).toBe("map of integer");
    expect(typeOf({ enum: ["INFO", "WARN"] })).toBe('"INFO" | "WARN"');
    expect(typeOf({ oneOf: [{ $ref: "#/$defs/ConstantRetry" }, { $ref: "#/definitions/RandomRetry" }] })).toBe(
      "ConstantRetry | RandomRetry",
    );
    expect(typeOf({ anyOf: [{ type: "string", format: "duration" }, { type: "null" }] })).toBe("string (duration)");
    expect(typeOf({ type: ["string", "number", "integer", "boolean", "object", "array", "null"] })).toBe("any");
    expect(typeOf(undefined)).toBe("any");
  });
});

describe("describeProperties", () => {
  it("lists required properties first and common ones last, with defaults and YAML examples", () => {
    const props = describeProperties({
      required: ["id", "type", "message"],
      properties: {
        type: { type: "string" },
        id: { type: "string" },
        timeout: { anyOf: [{ type: "string" }, { type: "null" }], default: null },
        level: { enum: ["INFO", "WARN"], default: "INFO", description: "Level." },
        message: { type: "string", markdownDescription: "The `message`.", examples: ["hi", { a: [1, 2] }] },
      },
    });
    expect(props.map((p) => p.name)).toEqual(["message", "level", "type", "id", "timeout"]);
    const message = props[0];
    expect(message).toMatchObject({ required: true, common: false, description: "The `message`.", default: null });
    expect(message.examples).toEqual(["hi", "a:\n  - 1\n  - 2"]);
    expect(props[1]).toMatchObject({ default: "INFO", required: false });
    expect(props[4]).toMatchObject({ name: "timeout", common: true, default: null });
  });
});

describe("typeDoc", () => {
  it("reads a plugin's documentation and the YAML examples of its markdown", () => {
    const doc: PluginDoc = {
      type: "lanner.core.Log",
      kind: "task",
      aliases: ["io.kestra.plugin.core.log.Log"],
      markdown: "# lanner.core.Log\n\n## Example\n\n```yaml\nid: t\ntype: lanner.core.Log\n```\n",
      schema: { properties: { title: "Log", description: "Writes logs.", properties: {} }, outputs: {} },
    };
    const found = typeDoc(doc);
    expect(found).toMatchObject({ type: "lanner.core.Log", title: "Log", description: "Writes logs.", outputs: [] });
    expect(found.examples).toEqual(["id: t\ntype: lanner.core.Log"]);
    expect(markdownExamples("no code")).toEqual([]);
  });
});
