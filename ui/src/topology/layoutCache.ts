// Layout once per flow structure. The layout (dagre, level by level) is the costly part of
// drawing a topology: hundreds of milliseconds for a flow of 500 tasks. It depends only on the
// structure (which nodes, their kinds and nesting, which edges) and the direction, not on the
// labels, messages or states: a flow read again (the execution page reloading its revision, the
// editor after an edit of a task's message) is drawn with the boxes already computed.
import type { Topology } from "./graph";
import { layoutTopology, parentsFirst, type Box, type Direction, type PlacedNode } from "./layout";

/** What the layout depends on, as one string: equal keys, equal layouts. */
export function structureKey(topology: Topology, direction: Direction): string {
  const nodes = topology.nodes.map((node) => `${node.id}\u0001${node.kind}\u0001${node.parent ?? ""}`);
  const edges = topology.edges.map((edge) => `${edge.source}\u0001${edge.target}`);
  return `${direction}\u0002${nodes.join("\u0003")}\u0002${edges.join("\u0003")}`;
}

interface Placement {
  /** node ids, parents before their children */
  order: string[];
  boxes: Map<string, { box: Box; position: { x: number; y: number } }>;
}

/** The last few layouts, by structure (a few flows are looked at in turn, each laid out once). */
export class LayoutCache {
  private readonly entries = new Map<string, Placement>();

  constructor(private readonly capacity = 8) {}

  get size(): number {
    return this.entries.size;
  }

  /** The topology laid out, parents first (see `parentsFirst`), reusing an earlier layout of the
   * same structure; the nodes returned are this topology's own (its labels, its types). */
  place(topology: Topology, direction: Direction): PlacedNode[] {
    const key = structureKey(topology, direction);
    let placement = this.entries.get(key);
    if (placement) {
      this.entries.delete(key); // most recently used last
    } else {
      const placed = parentsFirst(layoutTopology(topology, direction));
      placement = {
        order: placed.map((p) => p.node.id),
        boxes: new Map(placed.map((p) => [p.node.id, { box: p.box, position: p.position }])),
      };
      while (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(key, placement);
    const byId = new Map(topology.nodes.map((node) => [node.id, node]));
    return placement.order.map((id) => ({ node: byId.get(id)!, ...placement.boxes.get(id)! }));
  }
}

/** The layouts of this page's session. */
export const layouts = new LayoutCache();
