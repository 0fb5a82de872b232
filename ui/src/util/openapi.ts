// The operations of an OpenAPI document, grouped by tag, for the API reference page.

interface RawParameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
}

interface RawOperation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: RawParameter[];
  requestBody?: { content?: Record<string, unknown> };
}

export interface OpenApi {
  info?: { title?: string; version?: string };
  paths: Record<string, Record<string, RawOperation>>;
}

export interface Operation {
  method: string;
  path: string;
  tag: string;
  summary: string;
  description: string;
  parameters: RawParameter[];
  bodyTypes: string[];
}

const METHODS = ["get", "post", "put", "patch", "delete"];

/** Operations by tag (tags in alphabetical order), keeping those whose path or summary holds `filter`. */
export function groupOperations(spec: OpenApi, filter = ""): [string, Operation[]][] {
  const wanted = filter.trim().toLowerCase();
  const groups = new Map<string, Operation[]>();
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      const raw = item[method];
      if (!raw) continue;
      const op: Operation = {
        method,
        path,
        tag: raw.tags?.[0] ?? "Other",
        summary: raw.summary ?? "",
        description: raw.description ?? "",
        parameters: raw.parameters ?? [],
        bodyTypes: Object.keys(raw.requestBody?.content ?? {}),
      };
      if (wanted && !`${path} ${op.summary}`.toLowerCase().includes(wanted)) continue;
      const list = groups.get(op.tag) ?? [];
      list.push(op);
      groups.set(op.tag, list);
    }
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}
