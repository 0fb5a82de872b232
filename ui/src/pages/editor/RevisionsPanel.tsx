import { DiffEditor, type DiffOnMount } from "@monaco-editor/react";
import { useEffect, useRef, useState } from "react";
import { api } from "../../api/client";
import type { Flow } from "../../api/types";
import { Empty, ErrorBanner, Spinner } from "../../components/common";
import { useTheme } from "../../theme";
import { formatDate } from "../../util/format";
import { useLoad } from "../../util/hooks";

interface Props {
  namespace: string | null;
  id: string | null;
  /** bumps after each save, so the list is read again */
  revision: number | null;
  current: string;
  onRestore: (source: string) => void;
}

/** Every saved revision, newest first; one opens as a diff against the editor's text. */
export function RevisionsPanel({ namespace, id, revision, current, onRestore }: Props) {
  const revisions = useLoad(
    () => (namespace && id ? api.flowRevisions(namespace, id) : Promise.resolve([] as Flow[])),
    [namespace, id, revision],
  );
  const [open, setOpen] = useState<Flow | null>(null);
  if (!namespace || !id) return <Empty>Revisions appear once the flow is saved.</Empty>;
  if (revisions.error) return <ErrorBanner error={revisions.error} title="Revisions could not be read" />;
  if (!revisions.data) return <Spinner />;
  const list = [...revisions.data].reverse();
  return (
    <div className="revisions" data-testid="revisions">
      <ul className="revision-list">
        {list.map((flow, index) => (
          <li key={flow.revision}>
            <button type="button" className="revision" onClick={() => setOpen(flow)}>
              <strong>Revision {flow.revision}</strong>
              {index === 0 ? <span className="tag">latest</span> : null}
              {flow.deleted ? <span className="tag">deleted</span> : null}
              <span className="muted small">{formatDate(flow.updated)}</span>
            </button>
          </li>
        ))}
      </ul>
      {open && (
        <RevisionDiff
          flow={open}
          current={current}
          onClose={() => setOpen(null)}
          onRestore={() => {
            onRestore(open.source ?? "");
            setOpen(null);
          }}
        />
      )}
    </div>
  );
}

function RevisionDiff({ flow, current, onClose, onRestore }: { flow: Flow; current: string; onClose: () => void; onRestore: () => void }) {
  const { theme } = useTheme();
  // The models outlive the diff editor (disposing them first makes Monaco throw); they go after it.
  const models = useRef<{ dispose: () => void }[]>([]);
  const onMount: DiffOnMount = (editor) => {
    const model = editor.getModel();
    if (model) models.current = [model.original, model.modified];
  };
  useEffect(
    () => () => {
      const owned = models.current;
      window.setTimeout(() => owned.forEach((model) => model.dispose()), 0);
    },
    [],
  );
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal modal-wide" role="dialog" aria-label={`Revision ${flow.revision}`} onClick={(e) => e.stopPropagation()}>
        <header className="modal-head">
          <h2>
            Revision {flow.revision} <span className="muted small">(left) against the editor (right)</span>
          </h2>
          <button type="button" className="ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <div className="diff-frame">
          <DiffEditor
            original={flow.source ?? ""}
            modified={current}
            language="yaml"
            theme={theme === "dark" ? "vs-dark" : "vs"}
            keepCurrentOriginalModel
            keepCurrentModifiedModel
            onMount={onMount}
            options={{ readOnly: true, renderSideBySide: true, minimap: { enabled: false }, automaticLayout: true }}
          />
        </div>
        <footer className="modal-foot">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" className="primary" onClick={onRestore}>
            Load revision {flow.revision} into the editor
          </button>
        </footer>
      </div>
    </div>
  );
}
