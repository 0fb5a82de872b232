// Documentation of a plugin type read out of its JSON Schema: each property with its type in
// words, whether it is required, its default and examples; the examples of the type itself.
import { stringify } from "yaml";
import type { PluginDoc, SchemaNode } from "../api/types";

export interface PropertyDoc {
  name: string;
  /** a property every task (or trigger) has, such as `retry` or `timeout` */
  common: boolean;
  type: string;
  required: boolean;
  default: string | null;
  description: string;
  examples: string[];
  deprecated: boolean;
}

export interface TypeDoc {
  type: string;
  aliases: string[];
  title: string;
  description: string;
  properties: PropertyDoc[];
  outputs: PropertyDoc[];
  examples: string[];
}

function refName(ref: string): string {
  return ref.split("/").pop() ?? ref;
}

const literal = (value: unknown) => JSON.stringify(value);

/** A schema node's type in words: `string`, `integer | null`, `list of string`, `ConstantRetry | ExponentialRetry`. */
export function typeOf(node: SchemaNode | boolean | undefined, depth = 0): string {
  if (node === undefined || node === true) return "any";
  if (node === false) return "never";
  if (depth > 4) return "…";
  if (node.$ref) return refName(node.$ref);
  if (node.const !== undefined) return literal(node.const);
  if (node.enum) return node.enum.map(literal).join(" | ");
  const variants = node.anyOf ?? node.oneOf;
  if (variants) {
    const names = [...new Set(variants.map((variant) => typeOf(variant, depth + 1)))];
    const withoutNull = names.filter((name) => name !== "null");
    // an optional value reads better without `| null`; keep it when it is the only choice
    return (withoutNull.length ? withoutNull : names).join(" | ");
  }
  if (node.allOf?.length === 1) return typeOf(node.allOf[0], depth + 1);
  const types = Array.isArray(node.type) ? node.type : node.type ? [node.type] : [];
  if (types.length > 1) {
    const kept = types.filter((type) => type !== "null");
    return kept.length >= 5 ? "any" : kept.join(" | ");
  }
  const type = types[0];
  if (type === "array") return `list of ${typeOf(node.items, depth + 1)}`;
  if (type === "object") {
    if (node.additionalProperties && typeof node.additionalProperties === "object")
      return `map of ${typeOf(node.additionalProperties, depth + 1)}`;
    return "object";
  }
  if (type === "string" && node.format) return `string (${node.format})`;
  return type ?? "any";
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** Examples are shown as they would be written in a flow: YAML. */
function exampleText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") return stringify(value).replace(/\n$/, "");
  return JSON.stringify(value);
}

/** Properties shared by every task and trigger: listed after the ones of the type itself. */
export const COMMON_PROPERTIES: ReadonlySet<string> = new Set([
  "id",
  "type",
  "description",
  "disabled",
  "retry",
  "timeout",
  "allowFailure",
  "allowWarning",
  "runIf",
  "logLevel",
  "logToFile",
  "workerGroup",
  "conditions",
  "stopAfter",
  "interval",
]);

export function describeProperties(node: SchemaNode | undefined): PropertyDoc[] {
  if (!node?.properties) return [];
  const required = new Set(node.required ?? []);
  const docs = Object.entries(node.properties).map(([name, property]) => ({
    name,
    common: COMMON_PROPERTIES.has(name),
    type: typeOf(property),
    required: required.has(name),
    default: property.default === undefined || property.default === null ? null : text(property.default),
    description: String(property.markdownDescription ?? property.description ?? ""),
    examples: (property.examples ?? []).map(exampleText),
    deprecated: property.deprecated === true,
  }));
  // the type's own properties first (required ones leading), then the common ones; else as declared
  const rank = (doc: PropertyDoc) => (doc.common ? 2 : doc.required ? 0 : 1);
  return docs.map((doc, index) => ({ doc, index })).sort((a, b) => rank(a.doc) - rank(b.doc) || a.index - b.index).map(({ doc }) => doc);
}

/** The fenced YAML examples of a plugin's markdown documentation. */
export function markdownExamples(markdown: string): string[] {
  const found: string[] = [];
  const fence = /```ya?ml\n([\s\S]*?)```/g;
  let match: RegExpExecArray | null;
  while ((match = fence.exec(markdown))) found.push(match[1].replace(/\s+$/, ""));
  return found;
}

export function typeDoc(doc: PluginDoc): TypeDoc {
  const node = doc.schema.properties;
  const description = String(node.description ?? "");
  return {
    type: doc.type,
    aliases: doc.aliases,
    title: String(node.title ?? doc.type),
    description,
    properties: describeProperties(node),
    outputs: describeProperties(doc.schema.outputs),
    examples: markdownExamples(doc.markdown),
  };
}
