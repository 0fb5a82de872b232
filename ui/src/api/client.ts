// A small typed client for /api/v1. Every call throws ApiError on a non-2xx answer, carrying
// the server's message and its located issues (line, column, path, hint).
import type {
  Blueprint,
  BlueprintSummary,
  Execution,
  Flow,
  Issue,
  LastExecution,
  LogEntry,
  Page,
  PluginDoc,
  PluginPackage,
  SchemaNode,
  TriggerItem,
  ValidationResult,
} from "./types";
import type { ExecutionStatistics } from "../dashboard/chartData";
import { baseName, type FileEntry } from "../namespaceFiles/paths";
import { authHeaders, unauthorized } from "./auth";

export const API_BASE = "/api/v1";

type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];
export type Query = Record<string, QueryValue>;

export class ApiError extends Error {
  readonly status: number;
  readonly issues: Issue[];
  readonly body: unknown;

  constructor(status: number, message: string, issues: Issue[] = [], body: unknown = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.issues = issues;
    this.body = body;
  }
}

/** `/api/v1/path?k=v&k=v2`: undefined, null and empty values are left out, arrays repeat the key. */
export function apiUrl(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((item) => params.append(key, String(item)));
    else params.append(key, String(value));
  }
  const search = params.toString();
  return `${API_BASE}${path}${search ? `?${search}` : ""}`;
}

/** Path segments are encoded one by one (namespaces and ids never hold `/`). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  if (body && typeof body === "object") {
    const data = body as { message?: unknown; errors?: unknown };
    const issues = Array.isArray(data.errors) ? (data.errors as Issue[]) : [];
    const message = typeof data.message === "string" ? data.message : `${response.status} ${response.statusText}`;
    return new ApiError(response.status, message, issues, body);
  }
  return new ApiError(response.status, text || `${response.status} ${response.statusText}`, [], body);
}

export interface RequestOptions {
  method?: string;
  query?: Query;
  body?: BodyInit | null;
  contentType?: string;
  signal?: AbortSignal;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (response.status === 204) return undefined as T;
  const text = await response.text(); // some answers (file writes, moves) have no body
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The raw answer of a successful call (for file contents); a 401 goes to the login page. */
export async function send(path: string, options: RequestOptions = {}, accept = "application/json"): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept, ...authHeaders() };
  if (options.contentType) headers["Content-Type"] = options.contentType;
  const response = await fetch(apiUrl(path, options.query), {
    method: options.method ?? "GET",
    headers,
    body: options.body ?? null,
    signal: options.signal,
    credentials: "same-origin",
  });
  if (response.status === 401) unauthorized();
  if (!response.ok) throw await errorOf(response);
  return response;
}

const json = (data: unknown): RequestOptions => ({ body: JSON.stringify(data), contentType: "application/json" });
const yaml = (source: string): RequestOptions => ({ body: source, contentType: "application/x-yaml" });

export interface FlowSearch {
  q?: string;
  namespace?: string;
  labels?: string[];
  page?: number;
  size?: number;
  sort?: string[];
}

export interface ExecutionSearch {
  q?: string;
  namespace?: string;
  flowId?: string;
  state?: string[];
  labels?: string[];
  timeRange?: string;
  /** started at or after / at or before (ISO-8601) */
  startDate?: string;
  endDate?: string;
  page?: number;
  size?: number;
  sort?: string[];
}

export const api = {
  // flows
  searchFlows: (search: FlowSearch, signal?: AbortSignal) =>
    request<Page<Flow>>("/flows/search", { query: { ...search }, signal }),
  namespaces: () => request<string[]>("/flows/distinct-namespaces"),
  getFlow: (namespace: string, id: string, opts: { source?: boolean; revision?: number } = {}) =>
    request<Flow>(`/flows/${seg(namespace)}/${seg(id)}`, { query: { source: opts.source, revision: opts.revision } }),
  flowRevisions: (namespace: string, id: string) => request<Flow[]>(`/flows/${seg(namespace)}/${seg(id)}/revisions`),
  createFlow: (source: string) => request<Flow>("/flows", { method: "POST", ...yaml(source) }),
  updateFlow: (namespace: string, id: string, source: string) =>
    request<Flow>(`/flows/${seg(namespace)}/${seg(id)}`, { method: "PUT", ...yaml(source) }),
  validateFlow: (source: string, signal?: AbortSignal) =>
    request<ValidationResult[]>("/flows/validate", { method: "POST", ...yaml(source), signal }),

  // executions
  searchExecutions: (search: ExecutionSearch, signal?: AbortSignal) =>
    request<Page<Execution>>("/executions/search", { query: { ...search }, signal }),
  latestExecutions: (flows: { namespace: string; id: string }[], signal?: AbortSignal) =>
    request<LastExecution[]>("/executions/latest", { method: "POST", ...json(flows), signal }),
  getExecution: (id: string) => request<Execution>(`/executions/${seg(id)}`),
  createExecution: (namespace: string, id: string, inputs: FormData, labels: string[] = []) =>
    request<Execution>(`/executions/${seg(namespace)}/${seg(id)}`, { method: "POST", body: inputs, query: { labels } }),
  killExecution: (id: string) => request<unknown>(`/executions/${seg(id)}/kill`, { method: "DELETE" }),
  restartExecution: (id: string) => request<Execution>(`/executions/${seg(id)}/restart`, { method: "POST" }),
  resumeExecution: (id: string) => request<void>(`/executions/${seg(id)}/resume`, { method: "POST", ...json({}) }),
  replayExecution: (id: string, taskRunId?: string) =>
    request<Execution>(`/executions/${seg(id)}/replay`, { method: "POST", query: { taskRunId } }),
  /** The bytes of a file of an execution (its internal storage URI). */
  executionFile: async (id: string, path: string): Promise<Blob> =>
    (await send(`/executions/${seg(id)}/file`, { query: { path } }, "application/octet-stream")).blob(),
  backfillTrigger: (
    namespace: string,
    flowId: string,
    triggerId: string,
    backfill: { start: string; end?: string; labels?: Record<string, string> },
  ) => request<unknown>("/triggers", { method: "PUT", ...json({ namespace, flowId, triggerId, backfill }) }),
  killExecutions: (ids: string[]) => request<{ count: number }>("/executions/kill/by-ids", { method: "DELETE", ...json(ids) }),
  restartExecutions: (ids: string[]) => request<{ count: number }>("/executions/restart/by-ids", { method: "POST", ...json(ids) }),
  deleteExecutions: (ids: string[]) => request<{ count: number }>("/executions/by-ids", { method: "DELETE", ...json(ids) }),
  executionStatistics: (
    query: { startDate?: string; endDate?: string; groupBy?: "hour" | "day"; namespace?: string; flowId?: string },
    signal?: AbortSignal,
  ) => request<ExecutionStatistics[]>("/executions/statistics/daily", { method: "POST", ...json(query), signal }),
  logs: (executionId: string, minLevel?: string) => request<LogEntry[]>(`/logs/${seg(executionId)}`, { query: { minLevel } }),

  // plugins
  plugins: () => request<PluginPackage[]>("/plugins"),
  plugin: (type: string) => request<PluginDoc>(`/plugins/${seg(type)}`),
  flowSchema: () => request<SchemaNode>("/plugins/schemas/flow"),

  // triggers, namespaces
  searchTriggers: (query: { q?: string; namespace?: string; page?: number; size?: number }) =>
    request<Page<TriggerItem>>("/triggers/search", { query }),
  setTriggerDisabled: (namespace: string, flowId: string, triggerId: string, disabled: boolean) =>
    request<unknown>("/triggers", { method: "PUT", ...json({ namespace, flowId, triggerId, disabled }) }),
  // blueprints
  blueprints: () => request<BlueprintSummary[]>("/blueprints"),
  blueprint: (id: string) => request<Blueprint>(`/blueprints/${seg(id)}`),

  // namespace files (paths relative to the namespace root)
  listFiles: (namespace: string, path: string, signal?: AbortSignal) =>
    request<FileEntry[]>(`/namespaces/${seg(namespace)}/files/directory`, { query: { path: path || undefined }, signal }),
  /** The file's text; null when it is not UTF-8 text (a binary file). */
  readFile: async (namespace: string, path: string, signal?: AbortSignal): Promise<string | null> => {
    const response = await send(`/namespaces/${seg(namespace)}/files`, { query: { path }, signal }, "application/octet-stream");
    try {
      const text = new TextDecoder("utf-8", { fatal: true }).decode(await response.arrayBuffer());
      return text.includes("\u0000") ? null : text;
    } catch {
      return null;
    }
  },
  writeFile: (namespace: string, path: string, content: Blob) => {
    const form = new FormData();
    form.append("fileContent", content, baseName(path));
    return request<void>(`/namespaces/${seg(namespace)}/files`, { method: "POST", query: { path }, body: form });
  },
  createFolder: (namespace: string, path: string) =>
    request<void>(`/namespaces/${seg(namespace)}/files/directory`, { method: "POST", query: { path } }),
  moveFile: (namespace: string, from: string, to: string) =>
    request<void>(`/namespaces/${seg(namespace)}/files`, { method: "PUT", query: { from, to } }),
  deleteFile: (namespace: string, path: string) =>
    request<void>(`/namespaces/${seg(namespace)}/files`, { method: "DELETE", query: { path } }),

  /** The names of the secrets flows can read (never their values). */
  secretNames: (namespace: string) =>
    request<{ readOnly: boolean; results: { key: string }[]; total: number }>(`/namespaces/${seg(namespace)}/secrets`, {
      query: { size: 1000 },
    }),
  kvKeys: (namespace: string) => request<{ key: string; description?: string | null }[]>(`/namespaces/${seg(namespace)}/kv`),
};

/** Plugin documentation changes only with the server: fetched once per type. */
const pluginCache = new Map<string, Promise<PluginDoc>>();
export function pluginDoc(type: string): Promise<PluginDoc> {
  let found = pluginCache.get(type);
  if (!found) {
    found = api.plugin(type);
    found.catch(() => pluginCache.delete(type));
    pluginCache.set(type, found);
  }
  return found;
}

/** The flow JSON Schema, fetched once. */
let schemaPromise: Promise<SchemaNode> | null = null;
export function flowSchema(): Promise<SchemaNode> {
  if (!schemaPromise) {
    schemaPromise = api.flowSchema();
    schemaPromise.catch(() => {
      schemaPromise = null;
    });
  }
  return schemaPromise;
}
