// The topology of a flow: its tasks as a graph, built from the parsed flow (the YAML source
// parsed client-side, or the server's flow JSON — both have the same shape). Flowable tasks
// (Parallel, Sequential, Dag, If, Switch, ForEach, …) become groups holding their children;
// edges join leaf nodes (a group is entered through its first tasks and left through its last
// ones), except between two groups in a row that each have several ends (two Parallels of 10:
// one edge from group to group, not 10 × 10 between their tasks, which say no more and cost a
// large flow thousands of edges to draw). Malformed input (a flow being typed) never throws:
// what cannot be read is left out.

export type NodeKind = "start" | "end" | "trigger" | "task" | "subflow" | "group" | "decision" | "branch";

export interface TopologyNode {
  /** unique in the graph */
  id: string;
  kind: NodeKind;
  label: string;
  /** the task (or trigger) id this node stands for; task runs are matched on it */
  taskId?: string;
  type?: string;
  /** the group node holding this one */
  parent?: string;
  /** subflows: the child flow */
  link?: { namespace: string; flowId: string };
}

export interface TopologyEdge {
  id: string;
  source: string;
  target: string;
  label?: string;
  /** the path taken on failure (errors branches) */
  kind?: "normal" | "error" | "finally";
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

type Dict = Record<string, unknown>;

const CORE_PREFIXES = ["lanner.core.", "io.kestra.plugin.core.flow.", "io.kestra.core.tasks.flows."];

/** `Parallel` for `io.kestra.plugin.core.flow.Parallel` or `lanner.core.Parallel`, else null. */
export function coreName(type: unknown): string | null {
  if (typeof type !== "string") return null;
  for (const prefix of CORE_PREFIXES) if (type.startsWith(prefix)) return type.slice(prefix.length);
  return null;
}

function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function taskList(value: unknown): Dict[] {
  return Array.isArray(value) ? value.filter(isDict) : [];
}

function shortType(type: unknown): string {
  if (typeof type !== "string") return "";
  return type.split(".").pop() ?? type;
}

/** The ends of a built piece of graph: where edges into it land and where edges out of it leave. */
interface Piece {
  entries: string[];
  exits: string[];
  /** the group holding the whole piece (a flowable task's) */
  group?: string;
}

class Builder {
  readonly nodes: TopologyNode[] = [];
  readonly edges: TopologyEdge[] = [];
  private readonly used = new Set<string>();
  private readonly edgeKeys = new Set<string>();

  uniqueId(base: string): string {
    let id = base;
    for (let n = 2; this.used.has(id); n++) id = `${base}#${n}`;
    this.used.add(id);
    return id;
  }

  add(node: Omit<TopologyNode, "id"> & { id: string }): string {
    const id = this.uniqueId(node.id);
    this.nodes.push({ ...node, id });
    return id;
  }

  connect(sources: string[], targets: string[], label?: string, kind: TopologyEdge["kind"] = "normal"): void {
    for (const source of sources)
      for (const target of targets) {
        const key = `${source}->${target}`;
        if (source === target || this.edgeKeys.has(key)) continue;
        this.edgeKeys.add(key);
        this.edges.push({ id: `e:${key}`, source, target, ...(label ? { label } : {}), kind });
      }
  }

  /** Tasks run one after the other. */
  chain(tasks: Dict[], parent: string | undefined): Piece | null {
    let first: Piece | null = null;
    let last: Piece | null = null;
    for (const task of tasks) {
      const piece = this.task(task, parent);
      if (last) this.follow(last, piece);
      else first = piece;
      last = piece;
    }
    return first && last ? { entries: first.entries, exits: last.exits } : null;
  }

  /** `next` runs once `previous` has ended: every end of one leads to every start of the other,
   * drawn as one edge between their groups when both have several. */
  follow(previous: Piece, next: Piece): void {
    if (previous.group && next.group && previous.exits.length > 1 && next.entries.length > 1) this.connect([previous.group], [next.group]);
    else this.connect(previous.exits, next.entries);
  }

  /** Branches side by side (Parallel, EachParallel). */
  sideBySide(tasks: Dict[], parent: string): Piece | null {
    const pieces = tasks.map((task) => this.task(task, parent));
    if (!pieces.length) return null;
    return { entries: pieces.flatMap((p) => p.entries), exits: pieces.flatMap((p) => p.exits) };
  }

  /** `tasks: [{task: {...}, dependsOn: [ids]}]` of a Dag. */
  dag(items: Dict[], parent: string): Piece | null {
    const built = new Map<string, Piece>();
    const pieces: { piece: Piece; dependsOn: string[]; taskId: string }[] = [];
    for (const item of items) {
      const task = isDict(item.task) ? item.task : null;
      if (!task) continue;
      const piece = this.task(task, parent);
      const taskId = typeof task.id === "string" ? task.id : "";
      const dependsOn = Array.isArray(item.dependsOn) ? item.dependsOn.filter((d): d is string => typeof d === "string") : [];
      built.set(taskId, piece);
      pieces.push({ piece, dependsOn, taskId });
    }
    if (!pieces.length) return null;
    const dependedOn = new Set<string>();
    for (const { piece, dependsOn } of pieces)
      for (const dep of dependsOn) {
        const from = built.get(dep);
        if (!from) continue;
        dependedOn.add(dep);
        this.connect(from.exits, piece.entries);
      }
    const roots = pieces.filter((p) => !p.dependsOn.some((dep) => built.has(dep)));
    const leaves = pieces.filter((p) => !dependedOn.has(p.taskId));
    return { entries: roots.flatMap((p) => p.piece.entries), exits: leaves.flatMap((p) => p.piece.exits) };
  }

  /** A decision (If, Switch): a small node, then one labelled edge per branch. */
  branches(task: Dict, group: string, branches: [string, Dict[]][], condition: string): Piece {
    const decision = this.add({ id: `decision:${group}`, kind: "decision", label: condition, parent: group, taskId: String(task.id ?? "") });
    const exits: string[] = [];
    let open = false; // a missing branch lets the flow pass straight through
    for (const [label, tasks] of branches) {
      const piece = this.chain(tasks, group);
      if (!piece) {
        open = true;
        continue;
      }
      this.connect([decision], piece.entries, label);
      exits.push(...piece.exits);
    }
    if (open || !exits.length) exits.push(decision);
    return { entries: [decision], exits };
  }

  task(task: Dict, parent: string | undefined): Piece {
    const taskId = typeof task.id === "string" && task.id ? task.id : "?";
    const type = typeof task.type === "string" ? task.type : "";
    const name = coreName(type);
    const base = { taskId, type, ...(parent ? { parent } : {}) };

    if (name === "Subflow" || name === "Flow") {
      const namespace = typeof task.namespace === "string" ? task.namespace : "";
      const flowId = typeof task.flowId === "string" ? task.flowId : "";
      const id = this.add({ id: `task:${taskId}`, kind: "subflow", label: taskId, ...base, link: { namespace, flowId } });
      return { entries: [id], exits: [id] };
    }

    const isDag = name === "Dag";
    const isIf = name === "If";
    const isSwitch = name === "Switch";
    const parallel = name === "Parallel" || name === "EachParallel";
    const children = taskList(task.tasks);
    const flowable = isDag || isIf || isSwitch || children.length > 0 || (name !== null && FLOWABLES.has(name));
    if (!flowable) {
      const id = this.add({ id: `task:${taskId}`, kind: "task", label: taskId, ...base });
      return { entries: [id], exits: [id] };
    }

    const group = this.add({ id: `task:${taskId}`, kind: "group", label: `${taskId} · ${shortType(type)}`, ...base });
    let piece: Piece | null;
    if (isDag) piece = this.dag(taskList(task.tasks), group);
    else if (isIf) {
      const condition = typeof task.condition === "string" ? task.condition : "if";
      piece = this.branches(task, group, [["then", taskList(task.then)], ["else", taskList(task.else)]], condition);
    } else if (isSwitch) {
      const cases = isDict(task.cases) ? Object.entries(task.cases).map(([key, tasks]): [string, Dict[]] => [key, taskList(tasks)]) : [];
      const defaults = taskList(task.defaults);
      const value = typeof task.value === "string" ? task.value : "switch";
      piece = this.branches(task, group, [...cases, ...(defaults.length ? [["defaults", defaults] as [string, Dict[]]] : [])], value);
      if (!defaults.length && !piece.exits.includes(piece.entries[0])) piece.exits.push(piece.entries[0]);
    } else if (parallel) piece = this.sideBySide(children, group);
    else piece = this.chain(children, group);

    // an empty flowable is drawn as its group alone, which then is a leaf
    const body = piece ?? { entries: [group], exits: [group] };
    return { ...this.recovery(task, group, body, group), group };
  }

  /** `errors` and `finally` of a flowable task or of the flow: errors run when the body fails,
   * finally after either. */
  recovery(owner: Dict, scope: string, body: Piece, parent: string | undefined, from: string[] = body.entries): Piece {
    const errors = taskList(owner.errors);
    const final = taskList(owner.finally);
    let exits = body.exits;
    if (errors.length) {
      const group = this.add({ id: `errors:${scope}`, kind: "branch", label: "errors", ...(parent ? { parent } : {}) });
      const piece = this.chain(errors, group);
      if (piece) {
        this.connect(from, piece.entries, "on failure", "error");
        exits = [...exits, ...piece.exits];
      }
    }
    if (final.length) {
      const group = this.add({ id: `finally:${scope}`, kind: "branch", label: "finally", ...(parent ? { parent } : {}) });
      const piece = this.chain(final, group);
      if (piece) {
        this.connect(exits, piece.entries, undefined, "finally");
        exits = piece.exits;
      }
    }
    return { entries: body.entries, exits };
  }
}

/** Core flowables drawn as groups even with no children yet. */
const FLOWABLES = new Set(["Parallel", "Sequential", "ForEach", "EachSequential", "EachParallel", "AllowFailure", "LoopUntil", "WorkingDirectory", "ForEachItem"]);

/** The graph of a parsed flow: start → (triggers) → tasks → end, with the flow's `errors`,
 * `finally` and `afterExecution` branches. */
export function buildTopology(flow: unknown): Topology {
  const builder = new Builder();
  const root = isDict(flow) ? flow : {};
  const start = builder.add({ id: "start", kind: "start", label: "start" });
  for (const trigger of taskList(root.triggers)) {
    const triggerId = typeof trigger.id === "string" ? trigger.id : "?";
    const id = builder.add({ id: `trigger:${triggerId}`, kind: "trigger", label: triggerId, taskId: triggerId, type: String(trigger.type ?? "") });
    builder.connect([id], [start]);
  }
  const main = builder.chain(taskList(root.tasks), undefined) ?? { entries: [start], exits: [start] };
  if (main.entries[0] !== start) builder.connect([start], main.entries);
  const body = builder.recovery(root, "flow", main, undefined, [start]);
  let exits = body.exits;
  const after = taskList(root.afterExecution);
  if (after.length) {
    const group = builder.add({ id: "afterExecution:flow", kind: "branch", label: "after execution" });
    const piece = builder.chain(after, group);
    if (piece) {
      builder.connect(exits, piece.entries);
      exits = piece.exits;
    }
  }
  const end = builder.add({ id: "end", kind: "end", label: "end" });
  builder.connect(exits, [end]);
  return { nodes: builder.nodes, edges: builder.edges };
}
