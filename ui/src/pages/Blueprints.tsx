import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api } from "../api/client";
import { Empty, ErrorBanner, PageHeader, Spinner } from "../components/common";
import { useDocumentTitle, useLoad } from "../util/hooks";

function shortType(type: string): string {
  return type.split(".").slice(-2).join(".");
}

/** Ready flows shipped with the server; "Use" opens one in the editor, ready to save. */
export function BlueprintsPage() {
  useDocumentTitle("Blueprints");
  const loaded = useLoad(() => api.blueprints(), []);
  const [query, setQuery] = useState("");
  const [tag, setTag] = useState<string | null>(null);
  const all = loaded.data ?? [];
  const tags = useMemo(() => [...new Set(all.flatMap((b) => b.tags))].sort(), [all]);
  const shown = all.filter((blueprint) => {
    if (tag && !blueprint.tags.includes(tag)) return false;
    const text = `${blueprint.title} ${blueprint.description} ${blueprint.tags.join(" ")} ${blueprint.taskTypes.join(" ")}`.toLowerCase();
    return text.includes(query.trim().toLowerCase());
  });
  return (
    <div className="page">
      <PageHeader title="Blueprints" sub="Ready flows for common data-stack patterns: open one in the editor, adapt it, save.">
        <input type="search" placeholder="Search blueprints" value={query} onChange={(event) => setQuery(event.target.value)} data-testid="blueprint-search" />
      </PageHeader>
      <ErrorBanner error={loaded.error} title="The blueprints could not be read" />
      {tags.length > 0 && (
        <div className="blueprint-tags">
          <button type="button" className={tag === null ? "chip active" : "chip"} onClick={() => setTag(null)}>
            all
          </button>
          {tags.map((name) => (
            <button type="button" key={name} className={tag === name ? "chip active" : "chip"} onClick={() => setTag(tag === name ? null : name)}>
              {name}
            </button>
          ))}
        </div>
      )}
      {loaded.loading && !loaded.data ? (
        <Spinner />
      ) : !shown.length && !loaded.error ? (
        <Empty>
          {all.length ? "No blueprint matches." : "No blueprint is installed on this server."} Start from a <Link to="/flows/new">new flow</Link>.
        </Empty>
      ) : (
        <div className="blueprint-grid" data-testid="blueprints">
          {shown.map((blueprint) => (
            <article className="card blueprint" key={blueprint.id} data-blueprint={blueprint.id}>
              <h3>{blueprint.title}</h3>
              <p className="muted">{blueprint.description}</p>
              <div className="blueprint-types">
                {blueprint.taskTypes.map((type) => (
                  <code key={type} title={type}>
                    {shortType(type)}
                  </code>
                ))}
              </div>
              <footer>
                <span className="labels">
                  {blueprint.tags.map((name) => (
                    <span className="tag" key={name}>
                      {name}
                    </span>
                  ))}
                </span>
                <Link className="button primary" to={`/flows/new?blueprint=${encodeURIComponent(blueprint.id)}`} data-testid="use-blueprint">
                  Use
                </Link>
              </footer>
            </article>
          ))}
        </div>
      )}
    </div>
  );
}
