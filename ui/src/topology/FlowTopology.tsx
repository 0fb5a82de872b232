// The topology beside the editor (live as the YAML changes) and on the execution page (the
// flow at the execution's revision, coloured by the live task run states).
import { useMemo, useRef } from "react";
import { parse } from "yaml";
import { api } from "../api/client";
import type { Execution } from "../api/types";
import { ErrorBanner, Spinner } from "../components/common";
import { useLoad } from "../util/hooks";
import { buildTopology, type Topology } from "./graph";
import { taskStates } from "./states";
import { TopologyView } from "./TopologyView";

/** The parsed flow, or null while the text is not YAML (the last good graph stays shown). */
function parseFlow(source: string): unknown {
  try {
    return parse(source);
  } catch {
    return null;
  }
}

export function SourceTopology({ source }: { source: string }) {
  const last = useRef<{ topology: Topology; stale: boolean } | null>(null);
  const shown = useMemo(() => {
    const flow = parseFlow(source);
    if (flow === null && last.current) return { topology: last.current.topology, stale: true };
    return { topology: buildTopology(flow), stale: false };
  }, [source]);
  last.current = shown;
  return (
    <div className="topology-panel" data-testid="editor-topology" data-stale={shown.stale}>
      {shown.stale && <div className="muted small">The YAML does not parse: the last readable graph is shown.</div>}
      <TopologyView topology={shown.topology} />
    </div>
  );
}

export function ExecutionTopology({ execution, onTask }: { execution: Execution; onTask: (taskId: string) => void }) {
  const { namespace, flowId, flowRevision } = execution;
  // the flow's JSON is its source's properties as written (parsed on the server, once per
  // revision): no YAML to read here, and half the bytes of the source
  const flow = useLoad(() => api.getFlow(namespace, flowId, { revision: flowRevision }), [namespace, flowId, flowRevision]);
  const topology = useMemo(() => (flow.data ? buildTopology(flow.data) : null), [flow.data]);
  const states = useMemo(() => taskStates(execution.taskRunList), [execution.taskRunList]);
  if (flow.error) return <ErrorBanner error={flow.error} title={`Revision ${flowRevision} of the flow could not be read`} />;
  if (!topology) return <Spinner />;
  return (
    <div className="topology-tab">
      <TopologyView topology={topology} states={states} direction="LR" onTask={onTask} />
    </div>
  );
}
