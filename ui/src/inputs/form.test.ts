import { describe, expect, it } from "vitest";
import type { FlowInput } from "../api/types";
import { buildFields, initialValues, toFormData, toLocalDateTime } from "./form";

const inputs: FlowInput[] = [
  { id: "name", type: "STRING", defaults: "world" },
  { id: "count", type: "INT", required: true },
  { id: "ratio", type: "FLOAT", required: false },
  { id: "dry", type: "BOOLEAN", defaults: true },
  { id: "region", type: "SELECT", values: ["eu", "us"], defaults: "eu" },
  { id: "tags", type: "MULTISELECT", values: ["a", "b", "c"], defaults: ["b"] },
  { id: "day", type: "DATE", required: false },
  { id: "at", type: "DATETIME", required: false },
  { id: "data", type: "FILE", required: false },
  { id: "token", type: "SECRET", required: false },
  { id: "conf", type: "JSON", defaults: { a: 1 } },
  { id: "dynamic", type: "SELECT", expression: "{{ kv('x') }}", required: false },
];

describe("buildFields", () => {
  const fields = buildFields(inputs);
  const byId = Object.fromEntries(fields.map((field) => [field.id, field]));

  it("maps each input type to a control", () => {
    expect(fields.map((field) => field.kind)).toEqual([
      "text",
      "int",
      "float",
      "boolean",
      "select",
      "multiselect",
      "date",
      "datetime",
      "file",
      "secret",
      "textarea",
      "text",
    ]);
  });

  it("prefills defaults in the control's own format", () => {
    expect(byId.name.initial).toBe("world");
    expect(byId.dry.initial).toBe(true);
    expect(byId.region.initial).toBe("eu");
    expect(byId.tags.initial).toEqual(["b"]);
    expect(byId.conf.initial).toBe('{\n  "a": 1\n}');
    expect(byId.count.initial).toBe("");
  });

  it("marks inputs as required unless declared optional, and notes defaults", () => {
    expect(byId.count.required).toBe(true);
    expect(byId.count.hasDefault).toBe(false);
    expect(byId.name.required).toBe(true);
    expect(byId.name.hasDefault).toBe(true);
    expect(byId.ratio.required).toBe(false);
  });

  it("uses displayName as the label and keeps the choices", () => {
    const [field] = buildFields([{ id: "r", type: "ENUM", displayName: "Region", values: ["x", 2] }]);
    expect(field.label).toBe("Region");
    expect(field.kind).toBe("select");
    expect(field.options).toEqual(["x", "2"]);
  });

  it("leaves a default that is an expression to the server", () => {
    const [field] = buildFields([{ id: "when", type: "DATETIME", defaults: "{{ now() }}" }]);
    expect(field.initial).toBe("");
    expect(field.hasDefault).toBe(true);
  });

  it("accepts no inputs", () => {
    expect(buildFields(undefined)).toEqual([]);
    expect(buildFields(null)).toEqual([]);
  });
});

describe("toFormData", () => {
  const fields = buildFields(inputs);

  it("asks for required inputs without default and checks numbers", () => {
    const { problems } = toFormData(fields, { ...initialValues(fields), ratio: "abc" });
    expect(problems).toEqual([
      { id: "count", message: "required" },
      { id: "ratio", message: "expected a number" },
    ]);
    const whole = toFormData(fields, { ...initialValues(fields), count: "2.5" });
    expect(whole.problems).toEqual([{ id: "count", message: "expected a whole number" }]);
  });

  it("writes one part per input, lists as JSON, date-times in UTC, files as file parts", () => {
    const file = new File(["a,b\n1,2\n"], "data.csv", { type: "text/csv" });
    const local = "2024-03-01T10:30";
    const { form, problems } = toFormData(fields, {
      ...initialValues(fields),
      count: " 42 ",
      tags: ["a", "c"],
      at: local,
      data: file,
      day: "2024-03-01",
    });
    expect(problems).toEqual([]);
    expect(form.get("name")).toBe("world");
    expect(form.get("count")).toBe("42");
    expect(form.get("dry")).toBe("true");
    expect(form.get("region")).toBe("eu");
    expect(form.get("tags")).toBe('["a","c"]');
    expect(form.get("at")).toBe(new Date(local).toISOString());
    expect(form.get("day")).toBe("2024-03-01");
    const part = form.get("data");
    expect(part).toBeInstanceOf(File);
    expect((part as File).name).toBe("data.csv");
    // optional inputs left empty are not sent: the server leaves them unset
    expect(form.has("ratio")).toBe(false);
    expect(form.has("token")).toBe(false);
    expect(form.has("dynamic")).toBe(false);
  });

  it("always sends booleans, false included", () => {
    const { form } = toFormData(fields, { ...initialValues(fields), count: "1", dry: false });
    expect(form.get("dry")).toBe("false");
  });
});

describe("toLocalDateTime", () => {
  it("turns an ISO date-time into the datetime-local text of the same moment", () => {
    const text = toLocalDateTime("2024-03-01T10:30:00Z");
    expect(new Date(text).toISOString()).toBe("2024-03-01T10:30:00.000Z");
  });

  it("gives nothing for text that is not a date-time", () => {
    expect(toLocalDateTime("tomorrow")).toBe("");
    expect(toLocalDateTime(42)).toBe("");
  });
});
