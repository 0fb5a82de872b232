// Positions for a topology: a compound dagre layout (groups around their children). Positions
// come out absolute (top-left corners); `relative` turns them into what @xyflow/react wants for
// nodes inside a parent (relative to the parent's corner).
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

/** Room above a group's children for its title. */
const GROUP_PADDING = 16;

export function layoutTopology(topology: Topology, direction: Direction = "TB"): PlacedNode[] {
  const graph = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  graph.setGraph({ rankdir: direction, nodesep: 24, ranksep: 36, edgesep: 12, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const hasChildren = new Set(topology.nodes.map((node) => node.parent).filter((p): p is string => !!p));
  for (const node of topology.nodes) {
    const size = SIZES[node.kind];
    graph.setNode(node.id, hasChildren.has(node.id) ? { paddingTop: GROUP_PADDING } : { ...size });
  }
  for (const node of topology.nodes) if (node.parent) graph.setParent(node.id, node.parent);
  for (const edge of topology.edges) graph.setEdge(edge.source, edge.target, edge.label ? { label: edge.label, width: 40, height: 14 } : {});
  dagre.layout(graph);

  const boxes = new Map<string, Box>();
  for (const node of topology.nodes) {
    const placed = graph.node(node.id) as { x: number; y: number; width: number; height: number };
    const { width } = placed;
    let { height } = placed;
    let y = placed.y - height / 2;
    if (hasChildren.has(node.id)) {
      // room for the title above the children
      y -= GROUP_PADDING;
      height += GROUP_PADDING;
    }
    boxes.set(node.id, { x: placed.x - width / 2, y, width, height });
  }
  return topology.nodes.map((node) => {
    const box = boxes.get(node.id)!;
    const parent = node.parent ? boxes.get(node.parent) : undefined;
    return { node, box, position: parent ? { x: box.x - parent.x, y: box.y - parent.y } : { x: box.x, y: box.y } };
  });
}

/** Parents before their children, as @xyflow/react requires. */
export function parentsFirst(nodes: PlacedNode[]): PlacedNode[] {
  const byId = new Map(nodes.map((placed) => [placed.node.id, placed]));
  const depth = (placed: PlacedNode): number => {
    let d = 0;
    for (let p = placed.node.parent; p; p = byId.get(p)?.node.parent) d++;
    return d;
  };
  return [...nodes].sort((a, b) => depth(a) - depth(b));
}
