// The execution's overview cards: inputs, outputs and task outputs (files previewed or
// downloaded with the stored credentials), metrics, trigger, parent and subflow executions.
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../../api/client";
import type { Execution } from "../../api/types";
import { ErrorBanner } from "../../components/common";
import { childrenOf, fileName, hasFile, isFileUri, metricsOf, parentOf, runsWithOutputs } from "../../executions/details";

const PREVIEW_BYTES = 64 * 1024;

function FileValue({ executionId, uri }: { executionId: string; uri: string }) {
  const [preview, setPreview] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const show = async () => {
    setError(null);
    try {
      const blob = await api.executionFile(executionId, uri);
      const text = await blob.slice(0, PREVIEW_BYTES).text();
      setPreview(text.includes("\u0000") ? "(a binary file: download it)" : text + (blob.size > PREVIEW_BYTES ? "\n…" : ""));
    } catch (reason) {
      setError(reason);
    }
  };
  const download = async () => {
    setError(null);
    try {
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await api.executionFile(executionId, uri));
      link.download = fileName(uri);
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (reason) {
      setError(reason);
    }
  };
  return (
    <span className="file-value" data-testid="file-value">
      <code title={uri}>{fileName(uri)}</code>{" "}
      <button type="button" className="link small" onClick={preview === null ? show : () => setPreview(null)}>
        {preview === null ? "preview" : "hide"}
      </button>{" "}
      <button type="button" className="link small" onClick={download}>
        download
      </button>
      <ErrorBanner error={error} title="The file could not be read" />
      {preview !== null && (
        <pre className="code file-preview" data-testid="file-preview">
          {preview}
        </pre>
      )}
    </span>
  );
}

/** Maps and lists that hold a file are browsed (each file previewable); other ones shown as JSON. */
function Value({ executionId, value }: { executionId: string; value: unknown }) {
  if (isFileUri(value)) return <FileValue executionId={executionId} uri={value} />;
  if (value !== null && typeof value === "object") {
    if (!hasFile(value)) return <pre className="code">{JSON.stringify(value, null, 2)}</pre>;
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    return (
      <dl className="values nested">
        {entries.map(([key, item]) => (
          <div key={key}>
            <dt>
              <code>{key}</code>
            </dt>
            <dd>
              <Value executionId={executionId} value={item} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  return <code>{String(value)}</code>;
}

export function Values({ title, values, executionId }: { title: string; values?: Record<string, unknown> | null; executionId: string }) {
  if (!values || Object.keys(values).length === 0) return null;
  return (
    <section className="card" data-testid={`values-${title.toLowerCase().replace(/\s+/g, "-")}`}>
      <h3>{title}</h3>
      <dl className="values">
        {Object.entries(values).map(([key, value]) => (
          <div key={key}>
            <dt>
              <code>{key}</code>
            </dt>
            <dd>
              <Value executionId={executionId} value={value} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** The outputs of each task run, one at a time. */
export function TaskOutputs({ execution }: { execution: Execution }) {
  const runs = runsWithOutputs(execution.taskRunList ?? []);
  const [selected, setSelected] = useState<string | null>(null);
  if (runs.length === 0) return null;
  const run = runs.find((item) => item.id === selected) ?? runs[0];
  return (
    <section className="card wide" data-testid="task-outputs">
      <h3>Task outputs</h3>
      <select value={run.id} onChange={(e) => setSelected(e.target.value)} aria-label="Task run">
        {runs.map((item) => (
          <option key={item.id} value={item.id}>
            {item.taskId}
            {item.value ? ` [${item.value}]` : ""}
          </option>
        ))}
      </select>
      <Values title={`Outputs of ${run.taskId}`} values={run.outputs} executionId={execution.id} />
    </section>
  );
}

export function Metrics({ execution }: { execution: Execution }) {
  const rows = metricsOf(execution.taskRunList ?? []);
  if (rows.length === 0) return null;
  return (
    <section className="card wide" data-testid="metrics">
      <h3>Metrics</h3>
      <table className="table">
        <thead>
          <tr>
            <th>Task</th>
            <th>Name</th>
            <th>Type</th>
            <th className="num">Value</th>
            <th>Tags</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              <td>
                <code>{row.taskId}</code>
                {row.attempt > 1 ? <span className="muted small"> attempt {row.attempt}</span> : null}
              </td>
              <td>{row.name}</td>
              <td className="small muted">{row.type}</td>
              <td className="num">{Number(row.value.toPrecision(4))}</td>
              <td className="small">
                {Object.entries(row.tags)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const executionLink = (id: string, namespace = "", flowId = "") =>
  namespace && flowId ? `/executions/${encodeURIComponent(namespace)}/${encodeURIComponent(flowId)}/${encodeURIComponent(id)}` : `/executions/${encodeURIComponent(id)}`;

/** How the execution started, its parent execution and the subflow executions it started. */
export function TriggerInfo({ execution }: { execution: Execution }) {
  const parent = parentOf(execution);
  const children = childrenOf(execution);
  const trigger = execution.trigger;
  return (
    <section className="card" data-testid="trigger-info">
      <h3>Trigger</h3>
      {trigger ? (
        <p>
          <code>{String(trigger.id ?? "")}</code> <span className="muted small">{String(trigger.type ?? "").split(".").pop()}</span>
        </p>
      ) : (
        <p className="muted small">Started by hand or through the API.</p>
      )}
      {trigger?.variables ? <pre className="code">{JSON.stringify(trigger.variables, null, 2)}</pre> : null}
      {parent && (
        <p data-testid="parent-execution">
          Parent execution: <Link to={executionLink(parent.id, parent.namespace, parent.flowId)}>{parent.id}</Link>
        </p>
      )}
      {children.length > 0 && (
        <div data-testid="subflow-executions">
          Subflow executions:
          <ul className="plain-list">
            {children.map((child) => (
              <li key={child.id}>
                <code>{child.taskId}</code> → <Link to={executionLink(child.id)}>{child.id}</Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
