// The topology drawn with @xyflow/react: tasks as boxes coloured by their state (during an
// execution), flowables as groups around their children, subflows linking to the child flow.
import "@xyflow/react/dist/style.css";
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import { memo, useMemo, useRef } from "react";
import { Link } from "react-router";
import type { Topology, TopologyNode } from "./graph";
import type { Direction } from "./layout";
import { layouts } from "./layoutCache";
import { withStates } from "./states";

interface NodeData extends Record<string, unknown> {
  node: TopologyNode;
  state?: string;
  direction: Direction;
  onTask?: (taskId: string) => void;
}

type FlowNode = Node<NodeData>;

function Handles({ direction }: { direction: Direction }) {
  const vertical = direction === "TB";
  return (
    <>
      <Handle type="target" position={vertical ? Position.Top : Position.Left} isConnectable={false} />
      <Handle type="source" position={vertical ? Position.Bottom : Position.Right} isConnectable={false} />
    </>
  );
}

function shortType(type?: string): string {
  return type ? (type.split(".").pop() ?? type) : "";
}

function TaskBox({ data }: NodeProps<FlowNode>) {
  const { node, state, direction, onTask } = data;
  const stateClass = state ? ` topo-state-${state.toLowerCase()}` : "";
  return (
    <div
      className={`topo-node topo-${node.kind}${stateClass}`}
      data-task-id={node.taskId}
      data-state={state ?? ""}
      title={node.type ? `${node.taskId} — ${node.type}${state ? ` — ${state}` : ""}` : node.label}
      onClick={onTask && node.taskId ? () => onTask(node.taskId!) : undefined}
    >
      <Handles direction={direction} />
      <div className="topo-label">{node.label}</div>
      {node.kind === "subflow" && node.link ? (
        <Link
          className="topo-type nodrag"
          to={`/flows/edit/${encodeURIComponent(node.link.namespace)}/${encodeURIComponent(node.link.flowId)}`}
          onClick={(event) => event.stopPropagation()}
        >
          ↗ {node.link.namespace}.{node.link.flowId}
        </Link>
      ) : node.kind === "task" || node.kind === "trigger" ? (
        <div className="topo-type">{shortType(node.type)}</div>
      ) : null}
    </div>
  );
}

function GroupBox({ data }: NodeProps<FlowNode>) {
  const { node, state, direction, onTask } = data;
  const stateClass = state ? ` topo-state-${state.toLowerCase()}` : "";
  return (
    <div
      className={`topo-group topo-${node.kind}${stateClass}`}
      data-task-id={node.taskId}
      data-state={state ?? ""}
      onClick={onTask && node.taskId ? () => onTask(node.taskId!) : undefined}
    >
      <Handles direction={direction} />
      <div className="topo-group-title">{node.label}</div>
    </div>
  );
}

// not "group": that name comes with @xyflow/react's own group styles
/** From this many nodes on, a graph is "large": see `TopologyView`. */
const LARGE = 150;

// memo: a node redraws only when its data (its state) changed
const NODE_TYPES = { box: memo(TaskBox), flowable: memo(GroupBox) };

export interface TopologyViewProps {
  topology: Topology;
  /** task id → state, during an execution */
  states?: Map<string, string>;
  direction?: Direction;
  onTask?: (taskId: string) => void;
}

export function TopologyView({ topology, states, direction = "TB", onTask }: TopologyViewProps) {
  // laid out once per structure; states only change the nodes' data (their colour)
  const placed = useMemo(() => layouts.place(topology, direction), [topology, direction]);
  const parents = useMemo(() => new Set(topology.nodes.map((node) => node.parent).filter(Boolean)), [topology]);
  // the callback changes with each render of the page: the nodes keep one that calls the latest
  const latestOnTask = useRef(onTask);
  latestOnTask.current = onTask;
  const clickable = onTask !== undefined;
  const base: FlowNode[] = useMemo(() => {
    const handler = clickable ? (taskId: string) => latestOnTask.current?.(taskId) : undefined;
    return placed.map(({ node, box, position }) => {
      const isGroup = parents.has(node.id);
      return {
        id: node.id,
        type: isGroup ? "flowable" : "box",
        position,
        ...(node.parent ? { parentId: node.parent, extent: "parent" as const } : {}),
        data: { node, direction, onTask: handler },
        // the size is known (the layout's): the node is drawn at once, without waiting to be measured
        width: box.width,
        height: box.height,
        draggable: false,
        selectable: false,
        connectable: false,
        zIndex: isGroup ? -1 : 0,
      };
    });
  }, [placed, parents, direction, clickable]);
  const stated = useRef(new WeakMap<FlowNode, FlowNode>());
  const nodes = useMemo(
    () =>
      withStates(
        base,
        ({ data: { node } }) => (node.taskId && node.kind !== "trigger" ? states?.get(node.taskId) : undefined),
        stated.current,
      ),
    [base, states],
  );
  const edges: Edge[] = useMemo(
    () =>
      topology.edges.map((edge) => ({
        id: edge.id,
        source: edge.source,
        target: edge.target,
        label: edge.label,
        type: "smoothstep",
        className: `topo-edge topo-edge-${edge.kind ?? "normal"}`,
        markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
        selectable: false,
      })),
    [topology],
  );
  // a new structure is fitted to the view again
  const shape = useMemo(() => topology.nodes.map((node) => node.id).join("|"), [topology]);
  // a large graph opens on its beginning at a readable zoom, drawing only what is in view
  // (fitting hundreds of nodes would draw them all, too small to read); Controls fit it on demand
  const large = nodes.length > LARGE;
  return (
    <div className="topology" data-testid="topology">
      <ReactFlow
        key={shape}
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        fitView={!large}
        fitViewOptions={{ padding: 0.1, maxZoom: 1 }}
        defaultViewport={{ x: 12, y: 12, zoom: 0.85 }}
        minZoom={0.05}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        onlyRenderVisibleElements={large}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
