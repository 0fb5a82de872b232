import { NavLink, Outlet, useNavigate } from "react-router";
import { authorization, clearAuthorization, LOGIN_PATH } from "../api/auth";
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
  const navigate = useNavigate();
  const loggedIn = authorization() !== null;
  function logout() {
    clearAuthorization();
    navigate(LOGIN_PATH, { replace: true });
  }
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
          {loggedIn ? (
            <button type="button" className="ghost" onClick={logout} data-testid="logout">
              ⎋ Log out
            </button>
          ) : null}
          <NavLink className="muted small" to="/api-docs" data-testid="api-docs-link">
            API docs
          </NavLink>
        </div>
      </aside>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
