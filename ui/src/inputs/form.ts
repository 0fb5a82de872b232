// The execution form: one field per typed flow input, and the multipart body the server reads
// (one part per input; lists as JSON text; files as file parts; date-times in UTC ISO-8601).
import type { FlowInput } from "../api/types";

export type FieldKind =
  | "text"
  | "textarea"
  | "secret"
  | "int"
  | "float"
  | "boolean"
  | "select"
  | "multiselect"
  | "date"
  | "datetime"
  | "time"
  | "file";

export type FieldValue = string | boolean | string[] | File | null;

export interface InputField {
  id: string;
  /** the input's type as declared (STRING, INT, …) */
  type: string;
  kind: FieldKind;
  label: string;
  description: string | null;
  required: boolean;
  /** a default exists: an empty field lets the server apply it */
  hasDefault: boolean;
  options: string[];
  allowCustomValue: boolean;
  initial: FieldValue;
  placeholder: string;
}

const KINDS: Record<string, FieldKind> = {
  STRING: "text",
  URI: "text",
  EMAIL: "text",
  DURATION: "text",
  SECRET: "secret",
  JSON: "textarea",
  YAML: "textarea",
  ARRAY: "textarea",
  INT: "int",
  FLOAT: "float",
  BOOLEAN: "boolean",
  BOOL: "boolean",
  SELECT: "select",
  ENUM: "select",
  MULTISELECT: "multiselect",
  DATE: "date",
  DATETIME: "datetime",
  TIME: "time",
  FILE: "file",
};

const PLACEHOLDERS: Partial<Record<string, string>> = {
  DURATION: "ISO-8601 duration, e.g. PT5M",
  URI: "https://…",
  EMAIL: "name@example.com",
  JSON: '{"key": "value"}',
  YAML: "key: value",
  ARRAY: '["a", "b"] (JSON list)',
};

function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, null, 2);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO-8601 date-time as the `YYYY-MM-DDTHH:mm[:ss]` local text of a datetime-local field ("" if not a date-time). */
export function toLocalDateTime(value: unknown): string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const seconds = date.getSeconds() ? `:${pad(date.getSeconds())}` : "";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}${seconds}`
  );
}

function choices(input: FlowInput): string[] {
  const list = input.values ?? input.options ?? [];
  return Array.isArray(list) ? list.map(text) : [];
}

function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("{{");
}

function initialValue(input: FlowInput, kind: FieldKind): FieldValue {
  const value = input.defaults;
  if (value === undefined || value === null || isExpression(value)) {
    if (kind === "boolean") return false;
    if (kind === "multiselect") return [];
    return kind === "file" ? null : "";
  }
  switch (kind) {
    case "boolean":
      return value === true || value === "true";
    case "multiselect":
      return Array.isArray(value) ? value.map(text) : [text(value)];
    case "datetime":
      return toLocalDateTime(value);
    case "date":
      return typeof value === "string" ? value.slice(0, 10) : "";
    case "file":
      return null;
    default:
      return text(value);
  }
}

/** The fields of the execution form, in the order the flow declares its inputs. */
export function buildFields(inputs: readonly FlowInput[] | null | undefined): InputField[] {
  return (inputs ?? []).map((input) => {
    const type = String(input.type ?? "STRING").toUpperCase();
    let kind = KINDS[type] ?? "text";
    const options = choices(input);
    // values computed by an expression are not known here: the value is typed in
    if ((kind === "select" || kind === "multiselect") && options.length === 0) kind = kind === "select" ? "text" : "textarea";
    const hasDefault = input.defaults !== undefined && input.defaults !== null;
    return {
      id: input.id,
      type,
      kind,
      label: input.displayName || input.id,
      description: input.description ?? null,
      required: input.required !== false,
      hasDefault,
      options,
      allowCustomValue: input.allowCustomValue === true,
      initial: initialValue(input, kind),
      placeholder:
        kind === "textarea" && (type === "MULTISELECT" || type === "SELECT")
          ? '["a", "b"] (JSON list)'
          : (PLACEHOLDERS[type] ?? (hasDefault && isExpression(input.defaults) ? `default: ${text(input.defaults)}` : "")),
    };
  });
}

export function initialValues(fields: readonly InputField[]): Record<string, FieldValue> {
  return Object.fromEntries(fields.map((field) => [field.id, field.initial]));
}

export interface FieldProblem {
  id: string;
  message: string;
}

function isEmpty(value: FieldValue): boolean {
  return value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/** The multipart body for `POST /executions/{namespace}/{id}`, or the problems to fix first. */
export function toFormData(
  fields: readonly InputField[],
  values: Readonly<Record<string, FieldValue>>,
): { form: FormData; problems: FieldProblem[] } {
  const form = new FormData();
  const problems: FieldProblem[] = [];
  for (const field of fields) {
    const value = values[field.id] ?? field.initial;
    if (field.kind === "boolean") {
      form.append(field.id, value === true ? "true" : "false");
      continue;
    }
    if (isEmpty(value)) {
      if (field.required && !field.hasDefault) problems.push({ id: field.id, message: "required" });
      continue; // the server applies the default, or leaves the optional input unset
    }
    if (field.kind === "file") {
      if (value instanceof File) form.append(field.id, value, value.name);
      continue;
    }
    if (field.kind === "multiselect") {
      form.append(field.id, JSON.stringify(Array.isArray(value) ? value : [value]));
      continue;
    }
    const raw = String(value);
    if (field.kind === "int" && !/^[-+]?\d+$/.test(raw.trim())) {
      problems.push({ id: field.id, message: "expected a whole number" });
      continue;
    }
    if (field.kind === "float" && (raw.trim() === "" || !Number.isFinite(Number(raw)))) {
      problems.push({ id: field.id, message: "expected a number" });
      continue;
    }
    if (field.kind === "datetime") {
      const date = new Date(raw);
      if (Number.isNaN(date.getTime())) {
        problems.push({ id: field.id, message: "expected a date and time" });
        continue;
      }
      form.append(field.id, date.toISOString());
      continue;
    }
    form.append(field.id, field.kind === "int" || field.kind === "float" ? raw.trim() : raw);
  }
  return { form, problems };
}
