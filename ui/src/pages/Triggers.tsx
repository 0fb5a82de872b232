import { Fragment, useState } from "react";
import { api } from "../api/client";
import { Empty, ErrorBanner, FlowLink, PageHeader, Pagination, Spinner } from "../components/common";
import { formatDate } from "../util/format";
import { useDebounced, useDocumentTitle, useLoad } from "../util/hooks";
import { isWebhookType, webhook } from "../triggers/webhook";
import { WebhookCurl } from "../triggers/WebhookCurl";
import { BackfillForm } from "../triggers/BackfillForm";

const PAGE_SIZE = 25;
const isSchedule = (type: string | undefined) => /\.Schedule$/.test(type ?? "");

export function TriggersPage() {
  useDocumentTitle("Triggers");
  const [text, setText] = useState("");
  const q = useDebounced(text, 250);
  const [page, setPage] = useState(1);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [backfilling, setBackfilling] = useState<string | null>(null);
  const triggers = useLoad(() => api.searchTriggers({ q, page, size: PAGE_SIZE }), [q, page]);
  const toggle = async (namespace: string, flowId: string, triggerId: string, disabled: boolean) => {
    setError(null);
    try {
      await api.setTriggerDisabled(namespace, flowId, triggerId, disabled);
      triggers.reload();
    } catch (reason) {
      setError(reason);
    }
  };
  return (
    <div className="page">
      <PageHeader title="Triggers" sub={triggers.data ? `${triggers.data.total} trigger(s)` : undefined} />
      <div className="toolbar">
        <input type="search" className="grow" placeholder="Search triggers" value={text} onChange={(e) => setText(e.target.value)} aria-label="Search triggers" />
      </div>
      <ErrorBanner error={triggers.error ?? error} />
      {!triggers.data ? (
        <Spinner />
      ) : triggers.data.results.length === 0 ? (
        <Empty>No flow declares a trigger. Add one under `triggers:` in a flow (a Schedule, a Webhook or a Flow trigger).</Empty>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Trigger</th>
              <th>Flow</th>
              <th>Type</th>
              <th>Last</th>
              <th>Next</th>
              <th>Enabled</th>
            </tr>
          </thead>
          <tbody>
            {triggers.data.results.map(({ triggerContext: t, abstractTrigger: definition }) => {
              const rowKey = `${t.namespace}/${t.flowId}/${t.triggerId}`;
              const hook =
                isWebhookType(definition.type) && typeof definition.key === "string"
                  ? webhook(window.location.origin, t.namespace, t.flowId, t.triggerId, definition.key)
                  : null;
              return (
              <Fragment key={rowKey}>
              <tr>
                <td>
                  <code>{t.triggerId}</code>
                  {hook && (
                    <button
                      type="button"
                      className="ghost small"
                      onClick={() => setOpen(open === rowKey ? null : rowKey)}
                      aria-expanded={open === rowKey}
                      data-testid={`show-webhook-${t.triggerId}`}
                    >
                      {open === rowKey ? "Hide cURL" : "URL & cURL"}
                    </button>
                  )}
                  {isSchedule(t.type) && (
                    <button
                      type="button"
                      className="ghost small"
                      onClick={() => setBackfilling(backfilling === rowKey ? null : rowKey)}
                      aria-expanded={backfilling === rowKey}
                      data-testid={`show-backfill-${t.triggerId}`}
                    >
                      Backfill
                    </button>
                  )}
                  {t.backfill && (
                    <div className="small muted" data-testid={`backfill-state-${t.triggerId}`}>
                      backfill {t.backfill.paused ? "paused" : "running"}: {formatDate(t.backfill.currentDate ?? t.backfill.start)} → {formatDate(t.backfill.end)}
                    </div>
                  )}
                </td>
                <td>
                  <FlowLink namespace={t.namespace} id={t.flowId} />
                </td>
                <td className="small">{t.type?.split(".").pop()}</td>
                <td className="small muted">{formatDate(t.date)}</td>
                <td className="small">{formatDate(t.nextExecutionDate)}</td>
                <td>
                  <input
                    type="checkbox"
                    checked={!t.disabled}
                    onChange={(e) => toggle(t.namespace, t.flowId, t.triggerId, !e.target.checked)}
                    aria-label={`Enable ${t.triggerId}`}
                  />
                </td>
              </tr>
              {backfilling === rowKey && (
                <tr>
                  <td colSpan={6}>
                    <BackfillForm
                      namespace={t.namespace}
                      flowId={t.flowId}
                      triggerId={t.triggerId}
                      onDone={() => {
                        setBackfilling(null);
                        triggers.reload();
                      }}
                    />
                  </td>
                </tr>
              )}
              {hook && open === rowKey && (
                <tr>
                  <td colSpan={6}>
                    <WebhookCurl hook={hook} />
                  </td>
                </tr>
              )}
              </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
      {triggers.data && triggers.data.total > PAGE_SIZE && <Pagination page={page} size={PAGE_SIZE} total={triggers.data.total} onPage={setPage} />}
    </div>
  );
}
