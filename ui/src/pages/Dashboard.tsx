import { lazy, Suspense, useMemo, useRef } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import type { Execution } from "../api/types";
import { Empty, ErrorBanner, executionPath, FlowLink, PageHeader, Spinner, StateBadge } from "../components/common";
import { chartData, RANGES, rangeById, rangeQuery, successRatio } from "../dashboard/chartData";
import "../dashboard/dashboard.css";
import { relativeTime } from "../util/format";
import { useDocumentTitle, useInterval, useLoad } from "../util/hooks";

// Chart.js is loaded with the first chart, not with the app.
const ExecutionsChart = lazy(() => import("../dashboard/ExecutionsChart"));

const ACTIVE_STATES = ["CREATED", "QUEUED", "RUNNING", "PAUSED", "RETRYING", "KILLING"];
const FAILURES = 8;

/** The logs of a failed execution, filtered on its (last) failed task when it has one. */
function failureLogsPath(execution: Execution, taskId: string | null | undefined): string {
  const query = new URLSearchParams({ tab: "logs" });
  if (taskId) query.set("task", taskId);
  return `${executionPath(execution)}?${query.toString()}`;
}

function ExecutionList({ executions, empty }: { executions: Execution[]; empty: string }) {
  if (!executions.length) return <Empty>{empty}</Empty>;
  return (
    <ul className="plain-list">
      {executions.map((execution) => (
        <li key={execution.id} className="row-gap">
          <StateBadge state={execution.state.current} />
          <FlowLink namespace={execution.namespace} id={execution.flowId} />
          <Link to={executionPath(execution)} className="muted small">
            {relativeTime(execution.state.startDate)}
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** Recent failures; one click opens the failed task's log (read once per execution: it has ended). */
function FailureList({ executions }: { executions: Execution[] }) {
  const failedTasks = useRef(new Map<string, Promise<string | null>>());
  const ids = executions.map((execution) => execution.id).join(",");
  const tasks = useLoad(async () => {
    const found = await Promise.all(
      executions.map((execution) => {
        let task = failedTasks.current.get(execution.id);
        if (!task) {
          task = api
            .getExecution(execution.id)
            .then((full) => [...(full.taskRunList ?? [])].reverse().find((run) => run.state.current === "FAILED")?.taskId ?? null)
            .catch(() => null);
          failedTasks.current.set(execution.id, task);
        }
        return task;
      }),
    );
    return new Map(executions.map((execution, index) => [execution.id, found[index]]));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ids]);
  if (!executions.length) return <Empty>No failure in this range.</Empty>;
  return (
    <ul className="plain-list" data-testid="recent-failures">
      {executions.map((execution) => {
        const taskId = tasks.data?.get(execution.id);
        return (
          <li key={execution.id} className="row-gap">
            <StateBadge state={execution.state.current} />
            <FlowLink namespace={execution.namespace} id={execution.flowId} />
            <Link to={failureLogsPath(execution, taskId)} className="small" title="Open the failed task's log">
              {taskId ? <code>{taskId}</code> : "logs"}
            </Link>
            <span className="muted small">{relativeTime(execution.state.startDate)}</span>
          </li>
        );
      })}
    </ul>
  );
}

export function DashboardPage() {
  useDocumentTitle("Dashboard");
  const [params, setParams] = useSearchParams();
  const range = rangeById(params.get("range"));
  const statistics = useLoad((signal) => api.executionStatistics(rangeQuery(range, new Date()), signal), [range.id]);
  const since = `PT${range.hours}H`;
  const running = useLoad(
    (signal) => api.searchExecutions({ state: ACTIVE_STATES, size: 20, sort: ["state.startDate:desc"] }, signal),
    [],
  );
  const failures = useLoad(
    (signal) =>
      api.searchExecutions({ state: ["FAILED"], timeRange: since, size: FAILURES, sort: ["state.startDate:desc"] }, signal),
    [since],
  );
  const flows = useLoad((signal) => api.searchFlows({ size: 1 }, signal), []);
  useInterval(() => {
    statistics.reload();
    running.reload();
    failures.reload();
  }, 5000);
  const data = useMemo(() => chartData(statistics.data ?? []), [statistics.data]);
  const ratio = statistics.data ? successRatio(statistics.data) : null;

  return (
    <div className="page">
      <PageHeader title="Dashboard" sub={range.label}>
        <div className="range-picker" role="group" aria-label="Range">
          {RANGES.map((item) => (
            <button
              key={item.id}
              type="button"
              aria-pressed={item.id === range.id}
              onClick={() => setParams(item.id === RANGES[1].id ? {} : { range: item.id }, { replace: true })}
            >
              {item.label}
            </button>
          ))}
        </div>
      </PageHeader>
      <ErrorBanner error={statistics.error} title="Execution statistics could not be read" />
      {!statistics.data && !statistics.error ? (
        <Spinner />
      ) : (
        <>
          <div className="stats">
            <div className="stat">
              <div className="stat-value">{flows.data?.total ?? "…"}</div>
              <div className="stat-label">flows</div>
            </div>
            <div className="stat" data-testid="stat-executions">
              <div className="stat-value">{data.total}</div>
              <div className="stat-label">executions</div>
            </div>
            <div className="stat" data-testid="stat-success-ratio">
              <div className="stat-value">{ratio === null ? "—" : `${ratio}%`}</div>
              <div className="stat-label">success ratio</div>
            </div>
            <div className="stat" data-testid="stat-running">
              <div className="stat-value">{running.data?.total ?? "…"}</div>
              <div className="stat-label">running now</div>
            </div>
          </div>
          <section className="card">
            <div className="card-head">
              <h3>Executions over time</h3>
              <span className="muted small">per {range.groupBy}, UTC</span>
            </div>
            {data.total ? (
              <Suspense fallback={<Spinner label="Loading the chart…" />}>
                <ExecutionsChart data={data} />
              </Suspense>
            ) : (
              <Empty>No execution in this range. Open a flow and press Execute.</Empty>
            )}
          </section>
          <div className="cards">
            <section className="card">
              <h3>Running now</h3>
              <ErrorBanner error={running.error} />
              <ExecutionList executions={running.data?.results ?? []} empty="Nothing is running." />
            </section>
            <section className="card">
              <h3>Recent failures</h3>
              <ErrorBanner error={failures.error} />
              <FailureList executions={failures.data?.results ?? []} />
            </section>
          </div>
        </>
      )}
    </div>
  );
}
