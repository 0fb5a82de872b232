// JSON shapes of Lanner's REST API v1 (Kestra-compatible), as far as the UI reads them.

export type StateType =
  | "CREATED"
  | "QUEUED"
  | "RUNNING"
  | "PAUSED"
  | "RESTARTED"
  | "KILLING"
  | "SUCCESS"
  | "WARNING"
  | "FAILED"
  | "KILLED"
  | "CANCELLED"
  | "RETRYING"
  | "RETRIED"
  | "SKIPPED";

export const TERMINAL_STATES: ReadonlySet<string> = new Set([
  "SUCCESS",
  "WARNING",
  "FAILED",
  "KILLED",
  "CANCELLED",
  "RETRIED",
  "SKIPPED",
]);

export interface Label {
  key: string;
  value: string;
}

export interface StateHistory {
  state: StateType;
  date: string;
}

export interface State {
  current: StateType;
  histories: StateHistory[];
  startDate?: string | null;
  endDate?: string | null;
  duration?: string | null;
}

export interface FlowInput {
  id: string;
  type: string;
  displayName?: string | null;
  description?: string | null;
  required?: boolean;
  defaults?: unknown;
  values?: unknown[] | null;
  options?: unknown[] | null;
  expression?: string | null;
  allowCustomValue?: boolean;
  itemType?: string | null;
  min?: number | null;
  max?: number | null;
  [key: string]: unknown;
}

export interface FlowTask {
  id: string;
  type: string;
  [key: string]: unknown;
}

export interface Flow {
  id: string;
  namespace: string;
  revision: number;
  description?: string | null;
  labels?: Label[] | null;
  inputs?: FlowInput[] | null;
  tasks?: FlowTask[];
  triggers?: FlowTask[] | null;
  disabled?: boolean;
  deleted?: boolean;
  updated?: string | null;
  source?: string;
}

export interface Page<T> {
  results: T[];
  total: number;
}

export interface TaskRunAttempt {
  state: State;
  metrics?: unknown[];
  workerId?: string | null;
}

export interface TaskRun {
  id: string;
  executionId: string;
  namespace: string;
  flowId: string;
  taskId: string;
  parentTaskRunId?: string | null;
  value?: string | null;
  iteration?: number | null;
  attempts?: TaskRunAttempt[] | null;
  outputs?: Record<string, unknown> | null;
  state: State;
}

/** The newest execution of a flow (``POST /executions/latest``). */
export interface LastExecution {
  id: string;
  namespace: string;
  flowId: string;
  startDate: string;
  status: StateType;
}

export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: State;
  taskRunList?: TaskRun[] | null;
  inputs?: Record<string, unknown> | null;
  outputs?: Record<string, unknown> | null;
  labels?: Label[] | null;
  trigger?: Record<string, unknown> | null;
  parentId?: string | null;
  originalId?: string | null;
  url?: string;
}

export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface LogEntry {
  executionId: string;
  namespace: string;
  flowId: string;
  taskId?: string | null;
  taskRunId?: string | null;
  attemptNumber?: number | null;
  level: LogLevel | "WARNING";
  message: string;
  timestamp: string;
}

/** One located problem, as validation and 4xx answers list them. */
export interface Issue {
  message: string;
  path?: string | null;
  line?: number | null;
  column?: number | null;
  hint?: string | null;
  source?: string | null;
  kind?: string | null;
}

export interface ValidationResult {
  index: number;
  filename?: string | null;
  flow?: string | null;
  namespace?: string | null;
  constraints?: string | null;
  errors: Issue[];
  warnings: unknown[];
}

export interface PluginTypeSummary {
  type: string;
  kind: "task" | "trigger" | string;
  aliases: string[];
  title?: string | null;
  description?: string | null;
}

export interface PluginPackage {
  name: string;
  title: string;
  group: string;
  tasks: string[];
  triggers: string[];
  aliases: string[];
  types: PluginTypeSummary[];
}

/** A JSON Schema node, loosely typed: the UI only reads documentation out of it. */
export interface SchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  markdownDescription?: string;
  default?: unknown;
  examples?: unknown[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  additionalProperties?: boolean | SchemaNode;
  $ref?: string;
  deprecated?: boolean;
  [key: string]: unknown;
}

export interface PluginDoc {
  type: string;
  kind: string;
  aliases: string[];
  markdown: string;
  schema: { properties: SchemaNode; outputs?: SchemaNode; definitions?: Record<string, SchemaNode> };
}

export interface TriggerContext {
  namespace: string;
  flowId: string;
  triggerId: string;
  type?: string;
  date?: string | null;
  nextExecutionDate?: string | null;
  disabled: boolean;
  executionId?: string | null;
  backfill?: { start: string; end: string; currentDate?: string | null; paused: boolean } | null;
}

export interface TriggerItem {
  abstractTrigger: Record<string, unknown>;
  triggerContext: TriggerContext;
}

export interface BlueprintSummary {
  id: string;
  title: string;
  description: string;
  tags: string[];
  namespace: string;
  flowId: string;
  taskTypes: string[];
}

export interface Blueprint extends BlueprintSummary {
  /** the flow's YAML, ready to be saved */
  source: string;
}
