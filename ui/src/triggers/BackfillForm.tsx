import { useState } from "react";
import { api } from "../api/client";
import { ErrorBanner } from "../components/common";

/** `datetime-local` value (local time, no zone) -> ISO-8601 UTC. */
export function localToIso(value: string): string {
  return new Date(value).toISOString();
}

/** Run every tick of a Schedule trigger between two moments. */
export function BackfillForm({
  namespace,
  flowId,
  triggerId,
  onDone,
}: {
  namespace: string;
  flowId: string;
  triggerId: string;
  onDone: () => void;
}) {
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [label, setLabel] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    const [key, ...rest] = label.split(":");
    if (label && (!key.trim() || rest.length === 0)) {
      setError(new Error("write the label as key:value"));
      return;
    }
    setBusy(true);
    try {
      await api.backfillTrigger(namespace, flowId, triggerId, {
        start: localToIso(start),
        end: end ? localToIso(end) : undefined,
        labels: label ? { [key.trim()]: rest.join(":").trim() } : undefined,
      });
      onDone();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="backfill-form" onSubmit={submit} data-testid={`backfill-form-${triggerId}`}>
      <label>
        Start <input type="datetime-local" step="1" required value={start} onChange={(e) => setStart(e.target.value)} aria-label="Backfill start" />
      </label>
      <label>
        End <input type="datetime-local" step="1" value={end} onChange={(e) => setEnd(e.target.value)} aria-label="Backfill end" />
      </label>
      <label>
        Label <input type="text" placeholder="key:value" value={label} onChange={(e) => setLabel(e.target.value)} aria-label="Backfill label" />
      </label>
      <button type="submit" className="primary" disabled={busy || !start}>
        Start backfill
      </button>
      <span className="muted small">Every tick of the schedule in the range runs (end: now when empty). Times are local.</span>
      <ErrorBanner error={error} title="The backfill did not start" />
    </form>
  );
}
