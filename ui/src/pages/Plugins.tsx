import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { api } from "../api/client";
import { ErrorBanner, PageHeader, Spinner } from "../components/common";
import { TaskDocs } from "../components/TaskDocs";
import { useDocumentTitle, useLoad } from "../util/hooks";

export function PluginsPage() {
  const { type } = useParams();
  useDocumentTitle(type ?? "Plugins");
  const plugins = useLoad(() => api.plugins(), []);
  const [text, setText] = useState("");
  const groups = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return (plugins.data ?? []).map((plugin) => ({
      name: plugin.title || plugin.name,
      types: plugin.types.filter(
        (item) => !needle || item.type.toLowerCase().includes(needle) || item.aliases.some((alias) => alias.toLowerCase().includes(needle)),
      ),
    }));
  }, [plugins.data, text]);
  return (
    <div className="page">
      <PageHeader title="Plugins" sub="Every task and trigger type this server runs, documented from its schema" />
      <ErrorBanner error={plugins.error} />
      <div className="with-aside">
        <aside className="filter-aside plugin-list">
          <input type="search" placeholder="Filter types" value={text} onChange={(e) => setText(e.target.value)} aria-label="Filter types" />
          {!plugins.data && !plugins.error && <Spinner />}
          {groups.map((group) => (
            <div key={group.name}>
              <h3>{group.name}</h3>
              <ul className="tree">
                {group.types.map((item) => (
                  <li key={item.type}>
                    <Link to={`/plugins/${encodeURIComponent(item.type)}`} className={item.type === type ? "tree-item active" : "tree-item"} title={item.title ?? ""}>
                      {item.type.replace(/^lanner\./, "")}
                      {item.kind === "trigger" ? <span className="tag">trigger</span> : null}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </aside>
        <section className="grow card">{type ? <TaskDocs type={type} /> : <p className="muted">Choose a type to read its documentation.</p>}</section>
      </div>
    </div>
  );
}
