import { useState } from "react";
import { ApiError } from "../api/client";
import { eligible, type BulkAction } from "../executions/bulk";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import { TERMINAL_STATES } from "../api/types";
import { Empty, ErrorBanner, executionPath, FlowLink, Labels, PageHeader, Pagination, Spinner, StateBadge } from "../components/common";
import { formatDate, formatIsoDuration, localToIso } from "../util/format";
import { useDebounced, useDocumentTitle, useInterval, useLoad } from "../util/hooks";

const PAGE_SIZE = 25;
/** the start-date filter's two inputs: URL parameter, label, side of the bound */
const START_BOUNDS = [
  ["from", "Started from", "after"],
  ["to", "Started until", "before"],
] as const;
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
  const label = params.get("labels") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
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
        {
          q,
          namespace,
          flowId,
          state: state ? [state] : undefined,
          labels: label ? [label] : undefined,
          timeRange,
          startDate: localToIso(from),
          endDate: localToIso(to),
          page,
          size: PAGE_SIZE,
          sort: ["state.startDate:desc"],
        },
        signal,
      ),
    [q, namespace, flowId, state, label, timeRange, from, to, page],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkError, setBulkError] = useState<unknown>(null);
  const [bulkNotice, setBulkNotice] = useState<string | null>(null);
  const shown = executions.data?.results ?? [];
  const allSelected = shown.length > 0 && shown.every((execution) => selected.has(execution.id));
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const runBulk = async (action: BulkAction) => {
    const ids = eligible(action, shown, selected);
    if (!ids.length) return;
    if (action === "delete" && !window.confirm(`Delete ${ids.length} execution(s) with their logs? This cannot be undone.`)) return;
    setBulkError(null);
    setBulkNotice(null);
    try {
      const call = action === "kill" ? api.killExecutions : action === "restart" ? api.restartExecutions : api.deleteExecutions;
      const { count } = await call(ids);
      const done = action === "kill" ? "kill asked for" : action === "restart" ? "restarted" : "deleted";
      setBulkNotice(`${count} execution(s) ${done}`);
      setSelected(new Set());
    } catch (error) {
      const invalids = error instanceof ApiError ? ((error.body as { invalids?: { message: string; invalidValue: string }[] } | null)?.invalids ?? []) : [];
      setBulkError(invalids.length ? new Error(invalids.map((item) => `${item.invalidValue}: ${item.message}`).join("; ")) : error);
    }
    executions.reload();
  };
  const counts = {
    kill: eligible("kill", shown, selected).length,
    restart: eligible("restart", shown, selected).length,
    delete: eligible("delete", shown, selected).length,
  };

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
        <input
          type="text"
          placeholder="label key:value"
          value={label}
          onChange={(e) => set({ labels: e.target.value })}
          aria-label="Label"
          title="Executions with this label (key:value); a click on a label fills it"
        />
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
        {START_BOUNDS.map(([key, label, side]) => (
          <input
            key={key}
            type="datetime-local"
            value={key === "from" ? from : to}
            onChange={(e) => set({ [key]: e.target.value })}
            aria-label={label}
            title={`Executions started at or ${side} this time (your time zone)`}
          />
        ))}
      </div>
      <ErrorBanner error={executions.error} title="Executions could not be listed" />
      <ErrorBanner error={bulkError} title="Nothing was done" />
      {selected.size > 0 && (
        <div className="bulk-bar" data-testid="bulk-bar">
          <span>{shown.filter((execution) => selected.has(execution.id)).length} selected</span>
          <button type="button" className="danger" disabled={!counts.kill} onClick={() => runBulk("kill")} data-testid="bulk-kill">
            Kill ({counts.kill})
          </button>
          <button type="button" disabled={!counts.restart} onClick={() => runBulk("restart")} data-testid="bulk-restart">
            ↻ Restart ({counts.restart})
          </button>
          <button type="button" className="danger" disabled={!counts.delete} onClick={() => runBulk("delete")} data-testid="bulk-delete">
            Delete ({counts.delete})
          </button>
          <button type="button" className="link" onClick={() => setSelected(new Set())}>
            clear
          </button>
        </div>
      )}
      {bulkNotice && selected.size === 0 && (
        <div className="muted small" data-testid="bulk-notice">
          {bulkNotice}
        </div>
      )}
      {!executions.data ? (
        !executions.error && <Spinner />
      ) : executions.data.results.length === 0 ? (
        <Empty>No execution matches.</Empty>
      ) : (
        <table className="table" data-testid="executions-table">
          <thead>
            <tr>
              <th className="select">
                <input
                  type="checkbox"
                  aria-label="Select every execution of the page"
                  checked={allSelected}
                  onChange={() => setSelected(allSelected ? new Set() : new Set(shown.map((execution) => execution.id)))}
                />
              </th>
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
              <tr key={execution.id} data-execution-id={execution.id} data-state={execution.state.current}>
                <td className="select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${execution.id}`}
                    checked={selected.has(execution.id)}
                    onChange={() => toggle(execution.id)}
                  />
                </td>
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
                  <Labels labels={execution.labels} onClick={(item) => set({ labels: `${item.key}:${item.value}` })} />
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
