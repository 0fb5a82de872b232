import { NavLink, Outlet } from "react-router";
import { useTheme } from "../theme";

const NAV: { to: string; label: string; icon: string; end?: boolean }[] = [
  { to: "/", label: "Dashboard", icon: "◧", end: true },
  { to: "/flows", label: "Flows", icon: "⇶" },
  { to: "/executions", label: "Executions", icon: "▶" },
  { to: "/namespaces", label: "Namespaces", icon: "▤" },
  { to: "/triggers", label: "Triggers", icon: "◷" },
  { to: "/blueprints", label: "Blueprints", icon: "❏" },
  { to: "/plugins", label: "Plugins", icon: "⬡" },
];

export function Layout() {
  const { theme, toggle } = useTheme();
  return (
    <div className="app">
      <aside className="sidebar">
        <a className="brand" href="/ui/">
          <span className="brand-mark">L</span> Lanner
        </a>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.end} className={({ isActive }) => (isActive ? "active" : "")}>
              <span className="nav-icon" aria-hidden="true">
                {item.icon}
              </span>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="sidebar-foot">
          <button type="button" className="ghost" onClick={toggle} aria-label="Toggle dark mode" data-testid="theme-toggle">
            {theme === "dark" ? "☀ Light theme" : "☾ Dark theme"}
          </button>
          <a className="muted small" href="/api/v1/docs" target="_blank" rel="noreferrer">
            API docs
          </a>
        </div>
      </aside>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
