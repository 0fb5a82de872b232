import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import { TERMINAL_STATES } from "../api/types";
import { Empty, ErrorBanner, executionPath, FlowLink, Labels, PageHeader, Pagination, Spinner, StateBadge } from "../components/common";
import { formatDate, formatIsoDuration } from "../util/format";
import { useDebounced, useDocumentTitle, useInterval, useLoad } from "../util/hooks";

const PAGE_SIZE = 25;
const STATES = ["CREATED", "RUNNING", "PAUSED", "SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"];
const RANGES: [string, string][] = [
  ["", "any time"],
  ["PT1H", "last hour"],
  ["P1D", "last day"],
  ["P7D", "last 7 days"],
  ["P30D", "last 30 days"],
];

export function ExecutionsPage() {
  useDocumentTitle("Executions");
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const namespace = params.get("namespace") ?? "";
  const flowId = params.get("flowId") ?? "";
  const state = params.get("state") ?? "";
  const timeRange = params.get("timeRange") ?? "";
  const page = Number(params.get("page") ?? "1") || 1;
  const [text, setText] = useState(q);
  const debounced = useDebounced(text, 250);
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!("page" in changes)) next.delete("page");
    setParams(next, { replace: true });
  };
  if (debounced !== q) queueMicrotask(() => set({ q: debounced }));

  const executions = useLoad(
    (signal) =>
      api.searchExecutions(
        { q, namespace, flowId, state: state ? [state] : undefined, timeRange, page, size: PAGE_SIZE, sort: ["state.startDate:desc"] },
        signal,
      ),
    [q, namespace, flowId, state, timeRange, page],
  );
  const anyRunning = executions.data?.results.some((execution) => !TERMINAL_STATES.has(execution.state.current)) ?? false;
  useInterval(executions.reload, 3000, anyRunning);

  return (
    <div className="page">
      <PageHeader title="Executions" sub={executions.data ? `${executions.data.total} execution(s)` : undefined}>
        <button type="button" onClick={executions.reload}>
          ↻ Refresh
        </button>
      </PageHeader>
      <div className="toolbar">
        <input type="search" className="grow" placeholder="Search by id, namespace or flow" value={text} onChange={(e) => setText(e.target.value)} aria-label="Search executions" />
        <input type="text" placeholder="namespace" value={namespace} onChange={(e) => set({ namespace: e.target.value })} aria-label="Namespace" />
        <input type="text" placeholder="flow id" value={flowId} onChange={(e) => set({ flowId: e.target.value })} aria-label="Flow id" />
        <select value={state} onChange={(e) => set({ state: e.target.value })} aria-label="State">
          <option value="">any state</option>
          {STATES.map((item) => (
            <option key={item}>{item}</option>
          ))}
        </select>
        <select value={timeRange} onChange={(e) => set({ timeRange: e.target.value })} aria-label="Time range">
          {RANGES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <ErrorBanner error={executions.error} title="Executions could not be listed" />
      {!executions.data ? (
        !executions.error && <Spinner />
      ) : executions.data.results.length === 0 ? (
        <Empty>No execution matches.</Empty>
      ) : (
        <table className="table" data-testid="executions-table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Flow</th>
              <th>State</th>
              <th>Started</th>
              <th className="num">Duration</th>
              <th>Labels</th>
            </tr>
          </thead>
          <tbody>
            {executions.data.results.map((execution) => (
              <tr key={execution.id}>
                <td>
                  <Link to={executionPath(execution)}>
                    <code>{execution.id.slice(0, 10)}</code>
                  </Link>
                </td>
                <td>
                  <FlowLink namespace={execution.namespace} id={execution.flowId} />
                </td>
                <td>
                  <StateBadge state={execution.state.current} />
                </td>
                <td className="small muted">{formatDate(execution.state.startDate)}</td>
                <td className="num small">{formatIsoDuration(execution.state.duration)}</td>
                <td>
                  <Labels labels={execution.labels} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {executions.data && executions.data.total > PAGE_SIZE && (
        <Pagination page={page} size={PAGE_SIZE} total={executions.data.total} onPage={(p) => set({ page: String(p) })} />
      )}
    </div>
  );
}
