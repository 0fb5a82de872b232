import { lazy, Suspense, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../../api/client";
import { TERMINAL_STATES, type Execution } from "../../api/types";
import { ErrorBanner, FlowLink, Labels, Spinner, StateBadge } from "../../components/common";
import { formatDate, formatIsoDuration, formatSeconds, secondsBetween } from "../../util/format";
import { useDocumentTitle, useInterval } from "../../util/hooks";
import { GanttChart } from "./GanttChart";
import { LogsPanel } from "./LogsPanel";
import type { ExecutionContext, ExecutionTab } from "./tabs";
import { TaskRunsTable } from "./TaskRunsTable";
import { useExecution, useLogs } from "./useFollow";

function Values({ title, values }: { title: string; values?: Record<string, unknown> | null }) {
  if (!values || Object.keys(values).length === 0) return null;
  return (
    <section className="card">
      <h3>{title}</h3>
      <dl className="values">
        {Object.entries(values).map(([key, value]) => (
          <div key={key}>
            <dt>
              <code>{key}</code>
            </dt>
            <dd>
              {value !== null && typeof value === "object" ? (
                <pre className="code">{JSON.stringify(value, null, 2)}</pre>
              ) : (
                <code>{String(value)}</code>
              )}
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

// @xyflow/react and dagre load with the first topology shown
const ExecutionTopology = lazy(() => import("../../topology/FlowTopology").then((module) => ({ default: module.ExecutionTopology })));

export const EXECUTION_TABS: ExecutionTab[] = [
  {
    id: "overview",
    label: "Overview",
    render: ({ execution, showTaskLogs }) => (
      <Overview execution={execution} onLogs={showTaskLogs} />
    ),
  },
  {
    id: "topology",
    label: "Topology",
    render: ({ execution, showTaskLogs }) => (
      <Suspense fallback={<Spinner label="Loading the topology…" />}>
        <ExecutionTopology execution={execution} onTask={showTaskLogs} />
      </Suspense>
    ),
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

function Overview({ execution, onLogs }: { execution: Execution; onLogs: (taskId: string) => void }) {
  const running = !TERMINAL_STATES.has(execution.state.current);
  const [now, setNow] = useState(Date.now());
  useInterval(() => setNow(Date.now()), 1000, running);
  return (
    <div className="overview">
      <TaskRunsTable runs={execution.taskRunList ?? []} now={now} onLogs={onLogs} />
      <div className="cards">
        <Values title="Inputs" values={execution.inputs} />
        <Values title="Outputs" values={execution.outputs} />
      </div>
    </div>
  );
}

export function ExecutionPage() {
  const { id = "", namespace = "", flowId = "" } = useParams();
  useDocumentTitle(`Execution ${id}`);
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
  const [tab, setTab] = useState(EXECUTION_TABS[0].id);
  const [taskFilter, setTaskFilter] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
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
    showTaskLogs: (taskId) => {
      setTaskFilter(taskId);
      if (taskId) setTab("logs");
    },
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
                parent: <code>{execution.parentId}</code>
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
