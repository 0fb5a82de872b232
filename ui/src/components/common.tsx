import type { ReactNode } from "react";
import { Link } from "react-router";
import { ApiError } from "../api/client";
import type { Label } from "../api/types";

export function StateBadge({ state }: { state: string | null | undefined }) {
  if (!state) return <span className="muted">—</span>;
  return (
    <span className={`state state-${state.toLowerCase()}`} data-state={state}>
      {state}
    </span>
  );
}

export function Labels({ labels, onClick }: { labels?: Label[] | null; onClick?: (label: Label) => void }) {
  if (!labels?.length) return null;
  return (
    <span className="labels">
      {labels.map((label) => (
        <button
          type="button"
          key={`${label.key}:${label.value}`}
          className="label"
          onClick={onClick ? () => onClick(label) : undefined}
          disabled={!onClick}
          title={onClick ? `Filter by ${label.key}:${label.value}` : undefined}
        >
          {label.key}: {label.value}
        </button>
      ))}
    </span>
  );
}

export function ErrorBanner({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const issues = error instanceof ApiError ? error.issues : [];
  return (
    <div className="banner banner-error" role="alert">
      <strong>{title ?? "Something went wrong"}</strong>: {message}
      {issues.length > 0 && (
        <ul>
          {issues.map((issue, index) => (
            <li key={index}>
              {issue.line ? `line ${issue.line}${issue.column ? `:${issue.column}` : ""} — ` : ""}
              {issue.path ? <code>{issue.path}</code> : null} {issue.message}
              {issue.hint ? <span className="muted"> ({issue.hint})</span> : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Pagination({
  page,
  size,
  total,
  onPage,
}: {
  page: number;
  size: number;
  total: number;
  onPage: (page: number) => void;
}) {
  const pages = Math.max(1, Math.ceil(total / size));
  const first = total === 0 ? 0 : (page - 1) * size + 1;
  const last = Math.min(total, page * size);
  return (
    <nav className="pagination" aria-label="Pages">
      <span className="muted">
        {first}–{last} of {total}
      </span>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1} aria-label="Previous page">
        ‹
      </button>
      <span>
        {page} / {pages}
      </span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= pages} aria-label="Next page">
        ›
      </button>
    </nav>
  );
}

export function PageHeader({ title, children, sub }: { title: ReactNode; children?: ReactNode; sub?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {sub ? <div className="page-sub">{sub}</div> : null}
      </div>
      <div className="page-actions">{children}</div>
    </header>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function FlowLink({ namespace, id }: { namespace: string; id: string }) {
  return (
    <Link to={`/flows/edit/${encodeURIComponent(namespace)}/${encodeURIComponent(id)}`}>
      <span className="muted">{namespace}.</span>
      {id}
    </Link>
  );
}

export function executionPath(execution: { namespace: string; flowId: string; id: string }): string {
  return `/executions/${encodeURIComponent(execution.namespace)}/${encodeURIComponent(execution.flowId)}/${encodeURIComponent(execution.id)}`;
}

export function Spinner({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="spinner" role="status">
      {label}
    </div>
  );
}
