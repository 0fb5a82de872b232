// Positions for a topology, level by level: the children of each group are laid out with dagre
// (a plain, non-compound graph — dagre's compound mode takes seconds on a few hundred nodes),
// the group then takes the size of its laid-out children, and is itself one node of its
// parent's layout. An edge between two leaves shapes the layout at the level where their
// ancestors part: there it joins the two ancestors. Positions come out absolute (`box`) and
// relative to the parent group (`position`, what @xyflow/react wants for nested nodes).
import dagre from "@dagrejs/dagre";
import type { NodeKind, Topology, TopologyNode } from "./graph";

export type Direction = "TB" | "LR";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedNode {
  node: TopologyNode;
  /** absolute top-left corner and size */
  box: Box;
  /** top-left corner relative to the parent group (absolute for top-level nodes) */
  position: { x: number; y: number };
}

const SIZES: Record<NodeKind, { width: number; height: number }> = {
  start: { width: 56, height: 28 },
  end: { width: 56, height: 28 },
  trigger: { width: 170, height: 40 },
  task: { width: 190, height: 44 },
  subflow: { width: 190, height: 44 },
  decision: { width: 150, height: 34 },
  group: { width: 190, height: 44 },
  branch: { width: 190, height: 44 },
};

/** Room inside a group around its children; the top holds its title. */
const PAD = { top: 26, side: 12, bottom: 12 };
const MARGIN = 8;

type Key = string | undefined;

export function layoutTopology(topology: Topology, direction: Direction = "TB"): PlacedNode[] {
  const byId = new Map(topology.nodes.map((node) => [node.id, node]));
  const children = new Map<Key, TopologyNode[]>();
  for (const node of topology.nodes) {
    const parent = node.parent && byId.has(node.parent) ? node.parent : undefined;
    const list = children.get(parent) ?? [];
    list.push(node);
    children.set(parent, list);
  }
  // ancestors from the top level down to the node itself
  const chains = new Map<string, string[]>();
  const chainOf = (id: string): string[] => {
    let chain = chains.get(id);
    if (!chain) {
      const parent = byId.get(id)?.parent;
      chain = parent && byId.has(parent) && parent !== id ? [...chainOf(parent), id] : [id];
      chains.set(id, chain);
    }
    return chain;
  };
  // each edge joins, at the level where the chains part, the two ancestors there
  const levelEdges = new Map<Key, [string, string][]>();
  // the many edges between two groups' leaves (two Parallels in a row: 10 × 10) join the same
  // two nodes at that level: dagre gets each pair once
  const joined = new Set<string>();
  for (const edge of topology.edges) {
    if (!byId.has(edge.source) || !byId.has(edge.target)) continue;
    const a = chainOf(edge.source);
    const b = chainOf(edge.target);
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (i >= a.length || i >= b.length) continue; // one holds the other
    const level = i > 0 ? a[i - 1] : undefined;
    const pair = `${a[i]}\u0001${b[i]}`;
    if (joined.has(pair)) continue;
    joined.add(pair);
    const list = levelEdges.get(level) ?? [];
    list.push([a[i], b[i]]);
    levelEdges.set(level, list);
  }

  const sizes = new Map<string, { width: number; height: number }>();
  const offsets = new Map<string, { x: number; y: number }>(); // relative to the parent's corner

  const layoutLevel = (parent: Key): { width: number; height: number } => {
    const nodes = children.get(parent) ?? [];
    for (const node of nodes) {
      if (children.has(node.id)) {
        const inner = layoutLevel(node.id);
        sizes.set(node.id, {
          width: Math.max(inner.width + 2 * PAD.side, SIZES[node.kind].width),
          height: inner.height + PAD.top + PAD.bottom,
        });
      } else sizes.set(node.id, SIZES[node.kind]);
    }
    const graph = new dagre.graphlib.Graph({ multigraph: false });
    const margin = parent === undefined ? MARGIN : 0;
    graph.setGraph({ rankdir: direction, nodesep: 24, ranksep: 36, edgesep: 12, marginx: margin, marginy: margin });
    graph.setDefaultEdgeLabel(() => ({}));
    for (const node of nodes) graph.setNode(node.id, { ...sizes.get(node.id)! });
    for (const [source, target] of levelEdges.get(parent) ?? []) if (source !== target) graph.setEdge(source, target);
    dagre.layout(graph);
    const inset = parent === undefined ? { x: 0, y: 0 } : { x: PAD.side, y: PAD.top };
    for (const node of nodes) {
      const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number };
      offsets.set(node.id, { x: inset.x + placed.x - placed.width / 2, y: inset.y + placed.y - placed.height / 2 });
    }
    const label = graph.graph() as { width?: number; height?: number };
    return { width: label.width ?? 0, height: label.height ?? 0 };
  };
  layoutLevel(undefined);

  const boxes = new Map<string, Box>();
  const boxOf = (node: TopologyNode): Box => {
    let box = boxes.get(node.id);
    if (!box) {
      const offset = offsets.get(node.id) ?? { x: 0, y: 0 };
      const size = sizes.get(node.id) ?? SIZES[node.kind];
      const parent = node.parent ? byId.get(node.parent) : undefined;
      const origin = parent && parent.id !== node.id ? boxOf(parent) : { x: 0, y: 0 };
      box = { x: origin.x + offset.x, y: origin.y + offset.y, width: size.width, height: size.height };
      boxes.set(node.id, box);
    }
    return box;
  };
  return topology.nodes.map((node) => {
    const box = boxOf(node);
    const parent = node.parent && byId.has(node.parent) ? boxOf(byId.get(node.parent)!) : undefined;
    return { node, box, position: parent ? { x: box.x - parent.x, y: box.y - parent.y } : { x: box.x, y: box.y } };
  });
}

/** Parents before their children, as @xyflow/react requires. */
export function parentsFirst(nodes: PlacedNode[]): PlacedNode[] {
  const byId = new Map(nodes.map((placed) => [placed.node.id, placed]));
  const depth = (placed: PlacedNode): number => {
    let d = 0;
    for (let p = placed.node.parent; p && d < nodes.length; p = byId.get(p)?.node.parent) d++;
    return d;
  };
  return [...nodes].sort((a, b) => depth(a) - depth(b));
}
