import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useBlocker, useNavigate, useParams, useSearchParams } from "react-router";
import { api, ApiError } from "../../api/client";
import type { Issue } from "../../api/types";
import { ErrorBanner, Spinner } from "../../components/common";
import { issuesToMarkers } from "../../editor/markers";
import { flowKey, offsetOf, taskAt, type CursorTask } from "../../editor/yamlCursor";
import { useDebounced, useDocumentTitle, useLoad } from "../../util/hooks";
import { EDITOR_PANELS } from "./editorPanels";
import { ExecuteDialog } from "./ExecuteDialog";
import type { EditorContext } from "./panels";
import { useValidation } from "./useValidation";
import { YamlEditor, type EditorApi } from "./YamlEditor";

export const NEW_FLOW = `id: my_flow
namespace: company.team

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello World!
`;

/** The flow editor: `/flows/new` and `/flows/edit/:namespace/:id`. */
export default function FlowEditorPage() {
  const { namespace, id } = useParams();
  const [params] = useSearchParams();
  const blueprint = namespace && id ? null : params.get("blueprint");
  const key = namespace && id ? `${namespace}/${id}` : `new:${blueprint ?? ""}`;
  // a fresh editor state for each flow
  return <FlowEditor key={key} namespace={namespace ?? null} id={id ?? null} blueprint={blueprint} />;
}

function FlowEditor({ namespace, id, blueprint }: { namespace: string | null; id: string | null; blueprint: string | null }) {
  const existing = namespace !== null && id !== null;
  // a new flow starts from the skeleton, or from a blueprint (`/flows/new?blueprint=<id>`)
  const loaded = useLoad<{ source?: string; revision: number | null } | null>(
    () =>
      existing
        ? api.getFlow(namespace, id, { source: true })
        : blueprint
          ? api.blueprint(blueprint).then((found) => ({ source: found.source, revision: null }))
          : Promise.resolve(null),
    [namespace, id, blueprint],
  );
  useDocumentTitle(existing ? `${id} · editor` : "New flow");
  if (loaded.error) {
    return (
      <div className="page">
        <ErrorBanner error={loaded.error} title={existing ? "The flow could not be opened" : "The blueprint could not be opened"} />
        <Link to="/flows">Back to the flows</Link>
      </div>
    );
  }
  if (loaded.loading && (existing || blueprint)) return <Spinner />;
  return (
    <EditorBody
      namespace={namespace}
      id={id}
      initialSource={loaded.data?.source ?? NEW_FLOW}
      initialRevision={loaded.data?.revision ?? null}
    />
  );
}

function EditorBody({
  namespace,
  id,
  initialSource,
  initialRevision,
}: {
  namespace: string | null;
  id: string | null;
  initialSource: string;
  initialRevision: number | null;
}) {
  const navigate = useNavigate();
  const [source, setSource] = useState(initialSource);
  const [saved, setSaved] = useState(initialSource);
  const [revision, setRevision] = useState<number | null>(initialRevision);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [panel, setPanel] = useState(EDITOR_PANELS[0].id);
  const [executing, setExecuting] = useState(false);
  const [cursor, setCursor] = useState<{ line: number; column: number }>({ line: 1, column: 1 });
  const editorApi = useRef<EditorApi | null>(null);

  const dirty = source !== saved;
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  const validation = useValidation(source);
  const upToDate = validation.checkedSource === source;
  const issues: Issue[] = validation.checkedSource !== null ? validation.issues : [];
  const markers = useMemo(
    () => (validation.checkedSource !== null ? issuesToMarkers(issues, validation.checkedSource) : []),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [validation.issues, validation.checkedSource],
  );

  const settledCursor = useDebounced(cursor, 120);
  const settledSource = useDebounced(source, 120);
  const cursorTask: CursorTask | null = useMemo(
    () => taskAt(settledSource, offsetOf(settledSource, settledCursor.line, settledCursor.column)),
    [settledSource, settledCursor],
  );

  // leaving with unsaved changes asks first
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => dirtyRef.current && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    if (window.confirm("The flow has unsaved changes. Leave without saving?")) blocker.proceed();
    else blocker.reset();
  }, [blocker]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const save = useCallback(async () => {
    if (saving) return;
    setSaving(true);
    setSaveError(null);
    setNotice(null);
    const written = flowKey(source);
    const sameFlow = namespace !== null && written.namespace === namespace && written.id === id;
    try {
      const flow = sameFlow ? await api.updateFlow(namespace, id!, source) : await api.createFlow(source);
      setSaved(source);
      dirtyRef.current = false;
      setRevision(flow.revision);
      setNotice(`Saved revision ${flow.revision}`);
      if (!sameFlow) {
        navigate(`/flows/edit/${encodeURIComponent(flow.namespace)}/${encodeURIComponent(flow.id)}`, {
          replace: namespace === null,
        });
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        setSaveError(
          new Error(
            `${written.namespace}.${written.id} already exists: open it from the flows list to change it, or choose another id`,
          ),
        );
      } else setSaveError(error);
    } finally {
      setSaving(false);
    }
  }, [saving, source, namespace, id, navigate]);

  const context: EditorContext = { source, namespace, id, revision, cursorTask, setSource };
  const active = EDITOR_PANELS.find((item) => item.id === panel) ?? EDITOR_PANELS[0];
  const status = validation.failed
    ? "validation unavailable"
    : !upToDate
      ? "checking…"
      : issues.length
        ? `${issues.length} problem${issues.length > 1 ? "s" : ""}`
        : "valid";

  return (
    <div className="page editor-page">
      <header className="editor-head">
        <div>
          <div className="crumbs">
            <Link to="/flows">Flows</Link> ›{" "}
            {namespace ? <Link to={`/flows?namespace=${encodeURIComponent(namespace)}`}>{namespace}</Link> : "new"}
          </div>
          <h1>
            {id ?? "New flow"}
            {revision !== null && <span className="tag">rev {revision}</span>}
            {dirty && (
              <span className="tag tag-warn" data-testid="unsaved">
                unsaved
              </span>
            )}
          </h1>
        </div>
        <div className="page-actions">
          <span
            className={`validity ${upToDate && !issues.length && !validation.failed ? "ok" : issues.length && upToDate ? "bad" : ""}`}
            data-testid="validation-status"
          >
            {status}
          </span>
          {notice && !dirty && (
            <span className="muted small" data-testid="save-notice">
              {notice}
            </span>
          )}
          <button type="button" className="primary" onClick={save} disabled={saving || (!dirty && revision !== null)} data-testid="save">
            {saving ? "Saving…" : "Save"}
          </button>
          <button
            type="button"
            onClick={() => setExecuting(true)}
            disabled={revision === null || dirty || namespace === null}
            title={dirty ? "Save the flow first" : revision === null ? "Save the flow to execute it" : "Execute the saved flow"}
            data-testid="execute"
          >
            ▶ Execute
          </button>
        </div>
      </header>
      <ErrorBanner error={saveError} title="Not saved" />
      <div className={`editor-split panel-${active.id}`}>
        <section className="editor-main">
          <YamlEditor
            modelName={namespace && id ? `${namespace}/${id}` : "new"}
            value={source}
            onChange={setSource}
            markers={markers}
            onCursor={(line, column) => setCursor({ line, column })}
            onSave={save}
            onReady={(editor) => {
              editorApi.current = editor;
            }}
          />
          {issues.length > 0 && (
            <ul className="problems" data-testid="problems">
              {markers.map((marker, index) => (
                <li key={index}>
                  <button
                    type="button"
                    onClick={() => editorApi.current?.reveal(marker.startLineNumber, marker.startColumn)}
                    title="Go to the problem"
                  >
                    <span className="problem-pos">
                      {marker.startLineNumber}:{marker.startColumn}
                    </span>{" "}
                    {marker.message}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
        <aside className="editor-side">
          <nav className="tabs" role="tablist">
            {EDITOR_PANELS.map((item) => (
              <button
                type="button"
                role="tab"
                aria-selected={item.id === active.id}
                key={item.id}
                className={item.id === active.id ? "tab active" : "tab"}
                onClick={() => setPanel(item.id)}
              >
                {item.label}
              </button>
            ))}
          </nav>
          <div className="side-body">{active.render(context)}</div>
        </aside>
      </div>
      {executing && namespace && id && <ExecuteDialog namespace={namespace} id={id} onClose={() => setExecuting(false)} />}
    </div>
  );
}
