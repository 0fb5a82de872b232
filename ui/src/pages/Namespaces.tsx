import { lazy, Suspense } from "react";
import { Link, useParams } from "react-router";
import { api } from "../api/client";
import { Empty, ErrorBanner, PageHeader, Spinner } from "../components/common";
import { useDocumentTitle, useLoad } from "../util/hooks";

// Monaco is large: the files editor loads it on demand.
const NamespaceFiles = lazy(() => import("../namespaceFiles/NamespaceFiles"));

function NamespaceDetail({ namespace }: { namespace: string }) {
  const flows = useLoad(() => api.searchFlows({ namespace, size: 100 }), [namespace]);
  const kv = useLoad(() => api.kvKeys(namespace), [namespace]);
  const secrets = useLoad(() => api.secretNames(namespace), [namespace]);
  return (
    <>
      <div className="cards">
        <section className="card">
          <h3>Flows</h3>
          <ErrorBanner error={flows.error} />
          {flows.data?.results.length ? (
            <ul className="plain-list">
              {flows.data.results.map((flow) => (
                <li key={`${flow.namespace}/${flow.id}`}>
                  <Link to={`/flows/edit/${encodeURIComponent(flow.namespace)}/${encodeURIComponent(flow.id)}`}>
                    <span className="muted">{flow.namespace}.</span>
                    {flow.id}
                  </Link>
                </li>
              ))}
            </ul>
          ) : (
            flows.data && <Empty>No flow.</Empty>
          )}
        </section>
        <section className="card">
          <h3>Key-value store</h3>
          <ErrorBanner error={kv.error} />
          {kv.data?.length ? (
            <ul className="plain-list">
              {kv.data.map((entry) => (
                <li key={entry.key}>
                  <code>{entry.key}</code> {entry.description ? <span className="muted small">{entry.description}</span> : null}
                </li>
              ))}
            </ul>
          ) : (
            kv.data && <Empty>No key.</Empty>
          )}
        </section>
        <section className="card" data-testid="secrets">
          <h3>Secrets</h3>
          <ErrorBanner error={secrets.error} />
          {secrets.data?.results.length ? (
            <ul className="plain-list">
              {secrets.data.results.map((entry) => (
                <li key={entry.key}>
                  <code>{entry.key}</code>
                </li>
              ))}
            </ul>
          ) : (
            secrets.data && (
              <Empty>
                No secret. Set <code>LANNER_SECRET_NAME</code> (or base64 <code>SECRET_NAME</code>) in the server&apos;s environment.
              </Empty>
            )
          )}
          {secrets.data && (
            <p className="muted small">
              Names only: values never leave the server. Flows read them with <code>{"{{ secret('NAME') }}"}</code>.
            </p>
          )}
        </section>
      </div>
      <Suspense fallback={<Spinner label="Loading the files editor…" />}>
        <NamespaceFiles namespace={namespace} />
      </Suspense>
    </>
  );
}

export function NamespacesPage() {
  const { namespace } = useParams();
  useDocumentTitle(namespace ?? "Namespaces");
  const namespaces = useLoad(() => api.namespaces(), []);
  return (
    <div className="page">
      <PageHeader title={namespace ?? "Namespaces"} sub={namespace ? <Link to="/namespaces">All namespaces</Link> : undefined} />
      <ErrorBanner error={namespaces.error} />
      {namespace ? (
        <NamespaceDetail namespace={namespace} />
      ) : !namespaces.data ? (
        <Spinner />
      ) : namespaces.data.length === 0 ? (
        <Empty>No namespace yet: a namespace appears with its first flow.</Empty>
      ) : (
        <ul className="plain-list card">
          {namespaces.data.map((name) => (
            <li key={name}>
              <Link to={`/namespaces/${encodeURIComponent(name)}`}>{name}</Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
