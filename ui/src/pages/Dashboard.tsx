import { Link } from "react-router";
import { api } from "../api/client";
import { TERMINAL_STATES, type Execution } from "../api/types";
import { Empty, ErrorBanner, executionPath, FlowLink, PageHeader, Spinner, StateBadge } from "../components/common";
import { relativeTime } from "../util/format";
import { useDocumentTitle, useInterval, useLoad } from "../util/hooks";

const WINDOW = "P7D";

function counts(executions: Execution[]): Record<string, number> {
  const found: Record<string, number> = {};
  for (const execution of executions) found[execution.state.current] = (found[execution.state.current] ?? 0) + 1;
  return found;
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

export function DashboardPage() {
  useDocumentTitle("Dashboard");
  const recent = useLoad(
    (signal) => api.searchExecutions({ timeRange: WINDOW, size: 500, sort: ["state.startDate:desc"] }, signal),
    [],
  );
  const flows = useLoad((signal) => api.searchFlows({ size: 1 }, signal), []);
  useInterval(recent.reload, 5000);
  const executions = recent.data?.results ?? [];
  const byState = counts(executions);
  const ended = executions.filter((execution) => TERMINAL_STATES.has(execution.state.current));
  const succeeded = ended.filter((execution) => execution.state.current === "SUCCESS" || execution.state.current === "WARNING");
  const ratio = ended.length ? Math.round((100 * succeeded.length) / ended.length) : null;
  const running = executions.filter((execution) => !TERMINAL_STATES.has(execution.state.current));
  const failures = executions.filter((execution) => execution.state.current === "FAILED").slice(0, 8);

  return (
    <div className="page">
      <PageHeader title="Dashboard" sub="The last 7 days" />
      <ErrorBanner error={recent.error} title="Executions could not be read" />
      {!recent.data && !recent.error ? (
        <Spinner />
      ) : (
        <>
          <div className="stats">
            <div className="stat">
              <div className="stat-value">{flows.data?.total ?? "…"}</div>
              <div className="stat-label">flows</div>
            </div>
            <div className="stat">
              <div className="stat-value">{recent.data?.total ?? 0}</div>
              <div className="stat-label">executions</div>
            </div>
            <div className="stat">
              <div className="stat-value">{ratio === null ? "—" : `${ratio}%`}</div>
              <div className="stat-label">success ratio</div>
            </div>
            <div className="stat">
              <div className="stat-value">{running.length}</div>
              <div className="stat-label">running now</div>
            </div>
          </div>
          <section className="card">
            <h3>By state</h3>
            <div className="state-bars">
              {Object.entries(byState)
                .sort((a, b) => b[1] - a[1])
                .map(([state, count]) => (
                  <div key={state} className="state-bar">
                    <StateBadge state={state} />
                    <div className="bar">
                      <div className={`bar-fill state-${state.toLowerCase()}`} style={{ width: `${(100 * count) / executions.length}%` }} />
                    </div>
                    <span className="num">{count}</span>
                  </div>
                ))}
              {!executions.length && <Empty>No execution yet. Open a flow and press Execute.</Empty>}
            </div>
          </section>
          <div className="cards">
            <section className="card">
              <h3>Running now</h3>
              <ExecutionList executions={running} empty="Nothing is running." />
            </section>
            <section className="card">
              <h3>Recent failures</h3>
              <ExecutionList executions={failures} empty="No failure in the last 7 days." />
            </section>
          </div>
        </>
      )}
    </div>
  );
}
