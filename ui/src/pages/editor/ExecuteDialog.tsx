import { useMemo, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, ApiError } from "../../api/client";
import type { Flow } from "../../api/types";
import { ErrorBanner, executionPath, Spinner } from "../../components/common";
import { buildFields, initialValues, toFormData, type FieldValue } from "../../inputs/form";
import { InputForm } from "../../inputs/InputForm";
import { useLoad } from "../../util/hooks";

/** The "Execute" form: one field per input of the saved flow; on success, the execution page. */
export function ExecuteDialog({ namespace, id, onClose }: { namespace: string; id: string; onClose: () => void }) {
  const navigate = useNavigate();
  const flow = useLoad(() => api.getFlow(namespace, id), [namespace, id]);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div className="modal" role="dialog" aria-modal="true" aria-label="Execute the flow" onClick={(e) => e.stopPropagation()}>
        <header className="modal-head">
          <h2>
            Execute <span className="muted">{namespace}.</span>
            {id}
          </h2>
          <button type="button" className="ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <ErrorBanner error={flow.error} title="The flow could not be read" />
        {flow.data ? (
          <ExecuteForm flow={flow.data} onDone={(path) => navigate(path)} onCancel={onClose} />
        ) : (
          !flow.error && <Spinner />
        )}
      </div>
    </div>
  );
}

function ExecuteForm({ flow, onDone, onCancel }: { flow: Flow; onDone: (path: string) => void; onCancel: () => void }) {
  const fields = useMemo(() => buildFields(flow.inputs), [flow]);
  const [values, setValues] = useState<Record<string, FieldValue>>(() => initialValues(fields));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [labels, setLabels] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { form, problems: found } = toFormData(fields, values);
    setProblems(Object.fromEntries(found.map((problem) => [problem.id, problem.message])));
    if (found.length) return;
    setBusy(true);
    setError(null);
    try {
      const labelList = labels
        .split(/[\n,]/)
        .map((label) => label.trim())
        .filter(Boolean);
      const execution = await api.createExecution(flow.namespace, flow.id, form, labelList);
      onDone(executionPath(execution));
    } catch (reason) {
      setError(reason);
      if (reason instanceof ApiError) {
        // the server names the input in each issue's path: inputs.<id>
        const byInput: Record<string, string> = {};
        for (const issue of reason.issues) {
          const match = /^inputs\.([^[]+)/.exec(issue.path ?? "");
          if (match) byInput[match[1]] = issue.message;
        }
        setProblems(byInput);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="execute-form" data-testid="execute-form">
      {fields.length === 0 ? <p className="muted">This flow has no inputs.</p> : null}
      <InputForm
        fields={fields}
        values={values}
        problems={problems}
        onChange={(id, value) => {
          setValues((current) => ({ ...current, [id]: value }));
          setProblems(({ [id]: _fixed, ...others }) => others);
        }}
      />
      <div className="field">
        <label htmlFor="execution-labels">Labels</label>
        <input
          id="execution-labels"
          type="text"
          placeholder="key:value, key2:value2"
          value={labels}
          onChange={(e) => setLabels(e.target.value)}
        />
      </div>
      <ErrorBanner error={error} title="The execution was not created" />
      <footer className="modal-foot">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy} data-testid="execute-submit">
          {busy ? "Starting…" : "Execute"}
        </button>
      </footer>
    </form>
  );
}
