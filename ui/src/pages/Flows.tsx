import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { api } from "../api/client";
import type { Flow, LastExecution } from "../api/types";
import {
  Empty,
  ErrorBanner,
  executionPath,
  Labels,
  PageHeader,
  Pagination,
  Spinner,
  StateBadge,
} from "../components/common";
import { formatDate, relativeTime } from "../util/format";
import { useDebounced, useDocumentTitle, useLoad } from "../util/hooks";
import { namespaceTree, type NamespaceNode } from "../util/namespaces";

const PAGE_SIZE = 25;

function shortType(type: unknown): string {
  return typeof type === "string" ? type.split(".").pop() ?? type : "?";
}

/** The latest execution of each listed flow, asked for in one request once the page is shown
 * (``null``: never run). */
function useLastExecutions(flows: Flow[] | undefined): Record<string, LastExecution | null> {
  const [found, setFound] = useState<Record<string, LastExecution | null>>({});
  useEffect(() => {
    if (!flows?.length) return;
    const controller = new AbortController();
    api
      .latestExecutions(
        flows.map((flow) => ({ namespace: flow.namespace, id: flow.id })),
        controller.signal,
      )
      .then((latest) => {
        const next: Record<string, LastExecution | null> = {};
        for (const flow of flows) next[`${flow.namespace}/${flow.id}`] = null;
        for (const execution of latest) next[`${execution.namespace}/${execution.flowId}`] = execution;
        setFound(next);
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [flows]);
  return found;
}

function NamespaceTree({
  nodes,
  selected,
  onSelect,
}: {
  nodes: NamespaceNode[];
  selected: string;
  onSelect: (namespace: string) => void;
}) {
  return (
    <ul className="tree">
      {nodes.map((node) => (
        <li key={node.name}>
          <button
            type="button"
            className={selected === node.name ? "tree-item active" : "tree-item"}
            onClick={() => onSelect(selected === node.name ? "" : node.name)}
            title={node.name}
          >
            {node.label}
          </button>
          {node.children.length > 0 && <NamespaceTree nodes={node.children} selected={selected} onSelect={onSelect} />}
        </li>
      ))}
    </ul>
  );
}

export function FlowsPage() {
  useDocumentTitle("Flows");
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const namespace = params.get("namespace") ?? "";
  const labels = params.getAll("labels");
  const page = Number(params.get("page") ?? "1") || 1;
  const [text, setText] = useState(q);
  const debounced = useDebounced(text, 250);

  const update = (changes: Record<string, string | string[] | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      next.delete(key);
      if (Array.isArray(value)) value.forEach((item) => next.append(key, item));
      else if (value) next.set(key, value);
    }
    if (!("page" in changes)) next.delete("page");
    setParams(next, { replace: true });
  };

  useEffect(() => {
    if (debounced !== q) update({ q: debounced });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [debounced]);

  const namespaces = useLoad(() => api.namespaces(), []);
  const flows = useLoad(
    (signal) => api.searchFlows({ q, namespace, labels, page, size: PAGE_SIZE, sort: ["namespace:asc", "id:asc"] }, signal),
    [q, namespace, labels.join("|"), page],
  );
  const last = useLastExecutions(flows.data?.results);

  return (
    <div className="page">
      <PageHeader title="Flows" sub={flows.data ? `${flows.data.total} flow(s)` : undefined}>
        <Link className="button primary" to="/flows/new">
          + New flow
        </Link>
      </PageHeader>
      <div className="with-aside">
        <aside className="filter-aside" aria-label="Namespaces">
          <h3>Namespaces</h3>
          <button
            type="button"
            className={namespace === "" ? "tree-item active" : "tree-item"}
            onClick={() => update({ namespace: null })}
          >
            All
          </button>
          {namespaces.data && (
            <NamespaceTree nodes={namespaceTree(namespaces.data)} selected={namespace} onSelect={(ns) => update({ namespace: ns })} />
          )}
        </aside>
        <section className="grow">
          <div className="toolbar">
            <input
              type="search"
              placeholder="Search flows by id or namespace"
              value={text}
              onChange={(event) => setText(event.target.value)}
              aria-label="Search flows"
              className="grow"
            />
            {labels.map((label) => (
              <button
                type="button"
                key={label}
                className="chip"
                onClick={() => update({ labels: labels.filter((l) => l !== label) })}
                title="Remove this filter"
              >
                {label} ✕
              </button>
            ))}
          </div>
          <ErrorBanner error={flows.error} title="Flows could not be listed" />
          {flows.loading && !flows.data ? (
            <Spinner />
          ) : flows.data && flows.data.results.length === 0 ? (
            <Empty>
              No flow matches. <Link to="/flows/new">Create one</Link>.
            </Empty>
          ) : (
            <table className="table" data-testid="flows-table">
              <thead>
                <tr>
                  <th>Flow</th>
                  <th>Labels</th>
                  <th>Triggers</th>
                  <th>Last execution</th>
                  <th className="num">Revision</th>
                  <th>Updated</th>
                </tr>
              </thead>
              <tbody>
                {flows.data?.results.map((flow) => {
                  const key = `${flow.namespace}/${flow.id}`;
                  const execution = last[key];
                  const editPath = `/flows/edit/${encodeURIComponent(flow.namespace)}/${encodeURIComponent(flow.id)}`;
                  return (
                    <tr key={key} className={flow.disabled ? "disabled" : ""}>
                      <td>
                        <Link to={editPath} className="strong">
                          {flow.id}
                        </Link>
                        <div className="muted small">{flow.namespace}</div>
                      </td>
                      <td>
                        <Labels
                          labels={flow.labels}
                          onClick={(label) => {
                            const value = `${label.key}:${label.value}`;
                            if (!labels.includes(value)) update({ labels: [...labels, value] });
                          }}
                        />
                      </td>
                      <td className="small">
                        {(flow.triggers ?? []).map((trigger) => (
                          <span key={String(trigger.id)} className="tag" title={String(trigger.type)}>
                            {shortType(trigger.type)}
                          </span>
                        ))}
                      </td>
                      <td>
                        {execution ? (
                          <span className="row-gap">
                            <StateBadge state={execution.status} />
                            <Link to={executionPath(execution)} className="small muted">
                              {relativeTime(execution.startDate)}
                            </Link>
                          </span>
                        ) : execution === null ? (
                          <span className="muted small">never run</span>
                        ) : null}
                      </td>
                      <td className="num">{flow.revision}</td>
                      <td className="small muted">{formatDate(flow.updated)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {flows.data && flows.data.total > PAGE_SIZE && (
            <Pagination page={page} size={PAGE_SIZE} total={flows.data.total} onPage={(p) => update({ page: String(p) })} />
          )}
        </section>
      </div>
    </div>
  );
}
