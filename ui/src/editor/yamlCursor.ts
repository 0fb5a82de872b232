// Which task (or trigger) the cursor is in: the innermost YAML mapping around the offset whose
// `type` is a plugin type (dotted, like `io.kestra.plugin.core.log.Log`), and which of its
// properties the cursor is on. Works on half-typed YAML (the parser recovers from errors).
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from "yaml";

export interface CursorTask {
  /** the plugin type as written */
  type: string;
  /** the task's `id`, when written */
  id: string | null;
  /** the property of the task the cursor is on (its key or inside its value), if any */
  property: string | null;
  /** where the task is, e.g. `tasks[1].then[0]` */
  path: string;
}

const PLUGIN_TYPE = /^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)+$/;

type Found = { node: Node; path: string };

function contains(node: Node | null | undefined, offset: number): boolean {
  const range = node?.range;
  return !!range && range[0] <= offset && offset <= range[2];
}

function keyName(key: unknown): string | null {
  return isScalar(key) && (typeof key.value === "string" || typeof key.value === "number") ? String(key.value) : null;
}

/** The chain of collections containing `offset`, outermost first, with their paths. */
function chain(root: Node | null, offset: number): Found[] {
  const found: Found[] = [];
  let node: Node | null = root;
  let path = "";
  while (node && contains(node, offset)) {
    found.push({ node, path });
    let next: Node | null = null;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const value = pair.value as Node | null;
        const name = keyName(pair.key);
        if (value && (isMap(value) || isSeq(value)) && contains(value, offset)) {
          next = value;
          path = path ? `${path}.${name}` : String(name);
          break;
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        if (!next && item && (isMap(item) || isSeq(item)) && contains(item as Node, offset)) {
          next = item as Node;
          path = `${path}[${index}]`;
        }
      });
    }
    node = next;
  }
  return found;
}

function stringProp(map: Node, name: string): string | null {
  if (!isMap(map)) return null;
  const value = map.get(name, true);
  return isScalar(value) && typeof value.value === "string" ? value.value : null;
}

function propertyAt(map: Node, offset: number): string | null {
  if (!isMap(map)) return null;
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    const key = pair.key as Node | null;
    const value = pair.value as Node | null;
    const start = key?.range?.[0];
    const end = value?.range?.[2] ?? key?.range?.[2];
    if (start !== undefined && end !== undefined && start <= offset && offset <= end) return keyName(pair.key);
  }
  return null;
}

export function taskAt(text: string, offset: number): CursorTask | null {
  let doc;
  try {
    doc = parseDocument(text, { keepSourceTokens: false, prettyErrors: false, uniqueKeys: false });
  } catch {
    return null;
  }
  const found = chain(doc.contents as Node | null, offset);
  for (let i = found.length - 1; i >= 0; i--) {
    const { node, path } = found[i];
    const type = stringProp(node, "type");
    if (type && PLUGIN_TYPE.test(type.trim())) {
      return { type: type.trim(), id: stringProp(node, "id"), property: propertyAt(node, offset), path };
    }
  }
  return null;
}

/** Offset in `text` of a 1-based line and column (as Monaco reports the cursor). */
export function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + column - 1, text.length);
}

/** `id` and `namespace` as written at the top of a flow source (null when missing). */
export function flowKey(text: string): { id: string | null; namespace: string | null } {
  try {
    const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
    const root = doc.contents as Node | null;
    if (!root || !isMap(root)) return { id: null, namespace: null };
    return { id: stringProp(root, "id"), namespace: stringProp(root, "namespace") };
  } catch {
    return { id: null, namespace: null };
  }
}
