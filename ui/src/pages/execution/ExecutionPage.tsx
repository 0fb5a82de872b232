import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { api } from "../../api/client";
import { TERMINAL_STATES, type Execution } from "../../api/types";
import { ErrorBanner, FlowLink, Labels, Spinner, StateBadge } from "../../components/common";
import { formatDate, formatIsoDuration, formatSeconds, secondsBetween } from "../../util/format";
import { useDocumentTitle, useInterval } from "../../util/hooks";
import { Metrics, TaskOutputs, TriggerInfo, Values } from "./Details";
import { GanttChart } from "./GanttChart";
import { LogsPanel } from "./LogsPanel";
import type { ExecutionContext, ExecutionTab } from "./tabs";
import { TaskRunsTable } from "./TaskRunsTable";
import { useExecution, useLogs } from "./useFollow";

// @xyflow/react and dagre: a chunk of their own, loaded as the page opens (while the execution
// is read) so that the Topology tab need not wait for it. Once loaded, the tab draws it at once:
// a lazy component suspends on its first render even then, and React reveals what a Suspense
// boundary held back up to 300 ms later.
let topologyModule: typeof import("../../topology/FlowTopology") | null = null;
const loadTopology = () => import("../../topology/FlowTopology").then((module) => (topologyModule = module));
const LazyTopology = lazy(() => loadTopology().then((module) => ({ default: module.ExecutionTopology })));

function TopologyTab(props: { execution: Execution; onTask: (taskId: string) => void }) {
  const Loaded = topologyModule?.ExecutionTopology;
  if (Loaded) return <Loaded {...props} />;
  return (
    <Suspense fallback={<Spinner label="Loading the topology…" />}>
      <LazyTopology {...props} />
    </Suspense>
  );
}

export const EXECUTION_TABS: ExecutionTab[] = [
  {
    id: "overview",
    label: "Overview",
    render: ({ execution, showTaskLogs, replay }) => (
      <Overview execution={execution} onLogs={showTaskLogs} onReplay={replay} />
    ),
  },
  {
    id: "topology",
    label: "Topology",
    render: ({ execution, showTaskLogs }) => <TopologyTab execution={execution} onTask={showTaskLogs} />,
  },
  {
    id: "gantt",
    label: "Gantt",
    render: ({ execution, showTaskLogs }) => <GanttChart execution={execution} onTask={showTaskLogs} />,
  },
  {
    id: "logs",
    label: "Logs",
    render: ({ logs, taskFilter, showTaskLogs }) => <LogsPanel logs={logs} taskFilter={taskFilter} onTaskFilter={showTaskLogs} />,
  },
];

function Overview({
  execution,
  onLogs,
  onReplay,
}: {
  execution: Execution;
  onLogs: (taskId: string) => void;
  onReplay: (taskRunId?: string) => void;
}) {
  const running = !TERMINAL_STATES.has(execution.state.current);
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), 1000, running);
  return (
    <div className="overview">
      <TaskRunsTable runs={execution.taskRunList ?? []} now={now} onLogs={onLogs} onReplay={running ? undefined : onReplay} />
      <div className="cards">
        <Values title="Inputs" values={execution.inputs} executionId={execution.id} />
        <Values title="Outputs" values={execution.outputs} executionId={execution.id} />
        <TaskOutputs execution={execution} />
        <Metrics execution={execution} />
        <TriggerInfo execution={execution} />
      </div>
    </div>
  );
}

/** `/executions/:namespace/:flowId/:id` (or `/executions/:id`): a fresh page state per execution. */
export function ExecutionPage() {
  const { id = "" } = useParams();
  return <ExecutionView key={id} />;
}

function ExecutionView() {
  const { id = "", namespace = "", flowId = "" } = useParams();
  useDocumentTitle(`Execution ${id}`);
  useEffect(() => void loadTopology(), []);
  const [generation, setGeneration] = useState(0);
  // histories the execution must have once a restart shows
  const [minHistories, setMinHistories] = useState(0);
  const followed = useExecution(id, generation, minHistories);
  // the logs are followed again once the restarted execution has been read (else the follow
  // would end at once on the execution's previous, ended state)
  const restartSeen = (followed.execution?.state.histories?.length ?? 0) >= minHistories;
  const [logsGeneration, setLogsGeneration] = useState(0);
  useEffect(() => {
    if (restartSeen) setLogsGeneration(generation);
  }, [restartSeen, generation]);
  const logs = useLogs(id, logsGeneration);
  // `?tab=logs&task=<task id>` opens a task's log (the dashboard's failures link there)
  const [searchParams] = useSearchParams();
  const [tab, setTab] = useState(searchParams.get("tab") ?? EXECUTION_TABS[0].id);
  const [taskFilter, setTaskFilter] = useState<string | null>(searchParams.get("task"));
  const [actionError, setActionError] = useState<unknown>(null);
  const navigate = useNavigate();
  // a replay is a new execution: the page moves to it
  const replay = useCallback(
    async (taskRunId?: string) => {
      setActionError(null);
      try {
        const created = await api.replayExecution(id, taskRunId);
        navigate(`/executions/${encodeURIComponent(created.namespace)}/${encodeURIComponent(created.flowId)}/${encodeURIComponent(created.id)}`);
      } catch (error) {
        setActionError(error);
      }
    },
    [id, navigate],
  );
  // one function for the page's life: the views given it (the task runs table, the topology)
  // are not drawn again when only the logs changed
  const showTaskLogs = useCallback((taskId: string | null) => {
    setTaskFilter(taskId);
    if (taskId) setTab("logs");
  }, []);
  const [now, setNow] = useState(Date.now());
  const execution = followed.execution;
  const running = execution ? !TERMINAL_STATES.has(execution.state.current) : false;
  useInterval(() => setNow(Date.now()), 1000, running);

  if (followed.error && !execution) {
    return (
      <div className="page">
        <ErrorBanner error={followed.error} title={`Execution ${id} could not be read`} />
        <Link to="/executions">Back to the executions</Link>
      </div>
    );
  }
  if (!execution) return <Spinner />;

  const act = async (action: () => Promise<unknown>, restart: boolean) => {
    setActionError(null);
    try {
      await action();
      if (restart) {
        setMinHistories((execution.state.histories?.length ?? 0) + 1);
        setGeneration((n) => n + 1);
      }
    } catch (error) {
      setActionError(error);
    }
  };
  const context: ExecutionContext = {
    execution,
    logs,
    taskFilter,
    showTaskLogs,
    replay,
  };
  const active = EXECUTION_TABS.find((item) => item.id === tab) ?? EXECUTION_TABS[0];
  const seconds = secondsBetween(execution.state.startDate, execution.state.endDate, now);
  const state = execution.state.current;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <div className="crumbs">
            <Link to="/executions">Executions</Link> › <FlowLink namespace={execution.namespace || namespace} id={execution.flowId || flowId} />
          </div>
          <h1>
            <code className="execution-id">{execution.id}</code>
            <StateBadge state={state} />
            {followed.live && <span className="live-dot on">live</span>}
          </h1>
          <div className="page-sub row-gap">
            <span>revision {execution.flowRevision}</span>
            <span>started {formatDate(execution.state.startDate)}</span>
            <span data-testid="execution-duration">
              {execution.state.endDate ? formatIsoDuration(execution.state.duration) : seconds !== null ? formatSeconds(seconds) : ""}
            </span>
            <Labels labels={execution.labels} />
            {execution.parentId && execution.parentId !== execution.id ? (
              <span>
                parent: <Link to={`/executions/${encodeURIComponent(execution.parentId)}`}>{execution.parentId}</Link>
              </span>
            ) : null}
          </div>
        </div>
        <div className="page-actions">
          {running && (
            <button type="button" className="danger" onClick={() => act(() => api.killExecution(execution.id), false)}>
              Kill
            </button>
          )}
          {state === "PAUSED" && (
            <button type="button" className="primary" onClick={() => act(() => api.resumeExecution(execution.id), false)} data-testid="resume">
              ▶ Resume
            </button>
          )}
          {!running && (
            <button type="button" onClick={() => replay()} title="A new execution of the same flow revision, with the same inputs" data-testid="replay">
              ⟲ Replay
            </button>
          )}
          {(state === "FAILED" || state === "KILLED") && (
            <button type="button" onClick={() => act(() => api.restartExecution(execution.id), true)}>
              ↻ Restart
            </button>
          )}
        </div>
      </header>
      <ErrorBanner error={actionError} title="The action failed" />
      <nav className="tabs" role="tablist">
        {EXECUTION_TABS.map((item) => (
          <button
            type="button"
            role="tab"
            key={item.id}
            aria-selected={item.id === active.id}
            className={item.id === active.id ? "tab active" : "tab"}
            onClick={() => setTab(item.id)}
          >
            {item.label}
            {item.id === "logs" ? <span className="count">{logs.entries.length}</span> : null}
          </button>
        ))}
      </nav>
      <div className="tab-body">{active.render(context)}</div>
    </div>
  );
}
