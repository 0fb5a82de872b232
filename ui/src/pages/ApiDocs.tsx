// The REST API reference, drawn from the server's OpenAPI document. Read through the API client,
// it sends the stored credentials: with auth on, opening /api/v1/docs directly would get the
// browser's password dialog instead (and its Swagger UI loads scripts from a CDN).
import { useMemo, useState } from "react";
import { request } from "../api/client";
import { ErrorBanner, PageHeader, Spinner } from "../components/common";
import { groupOperations, type OpenApi, type Operation } from "../util/openapi";
import { useDocumentTitle, useLoad } from "../util/hooks";

function OperationRow({ op }: { op: Operation }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="api-op">
      <button type="button" className="ghost api-op-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className={`api-method api-${op.method}`}>{op.method.toUpperCase()}</span> <code>{op.path}</code>{" "}
        <span className="muted small">{op.summary}</span>
      </button>
      {open && (
        <div className="api-op-body">
          {op.description && <p className="small">{op.description}</p>}
          {op.parameters.length > 0 && (
            <table className="table">
              <tbody>
                {op.parameters.map((param) => (
                  <tr key={`${param.in}:${param.name}`}>
                    <td>
                      <code>{param.name}</code>
                      {param.required ? " *" : ""}
                    </td>
                    <td className="small muted">{param.in}</td>
                    <td className="small">{param.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {op.bodyTypes.length > 0 && <p className="small">Body: {op.bodyTypes.join(", ")}</p>}
        </div>
      )}
    </li>
  );
}

export function ApiDocsPage() {
  useDocumentTitle("API reference");
  const spec = useLoad(() => request<OpenApi>("/openapi.json"), []);
  const [text, setText] = useState("");
  const groups = useMemo(() => (spec.data ? groupOperations(spec.data, text) : []), [spec.data, text]);
  return (
    <div className="page" data-testid="api-docs">
      <PageHeader title="API reference" sub={spec.data ? `${spec.data.info?.title ?? ""} ${spec.data.info?.version ?? ""} · /api/v1` : undefined} />
      <div className="toolbar">
        <input type="search" className="grow" placeholder="Filter by path or summary" value={text} onChange={(e) => setText(e.target.value)} aria-label="Filter the API" />
      </div>
      <ErrorBanner error={spec.error} title="The OpenAPI document could not be read" />
      {!spec.data ? (
        <Spinner />
      ) : (
        groups.map(([tag, ops]) => (
          <section className="card" key={tag}>
            <h3>{tag}</h3>
            <ul className="plain-list">
              {ops.map((op) => (
                <OperationRow key={`${op.method} ${op.path}`} op={op} />
              ))}
            </ul>
          </section>
        ))
      )}
    </div>
  );
}
