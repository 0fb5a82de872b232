import { useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { apiUrl } from "../api/client";
import { authHeaders, basicAuthorization, bearerAuthorization, safeNext, saveAuthorization } from "../api/auth";
import { useDocumentTitle } from "../util/hooks";
import "./login.css";

type Method = "password" | "token";

/** Whether the server accepts `authorization`: one cheap API call. */
async function check(authorization: string): Promise<string | null> {
  let response: Response;
  try {
    response = await fetch(apiUrl("/flows/search", { size: 1 }), {
      headers: { Accept: "application/json", ...authHeaders(authorization) },
    });
  } catch (error) {
    return `The server could not be reached: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (response.ok) return null;
  if (response.status === 401) return "These credentials are not accepted.";
  return `The server answered ${response.status} ${response.statusText}.`;
}

export function LoginPage() {
  useDocumentTitle("Log in");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [method, setMethod] = useState<Method>("password");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const authorization = method === "password" ? basicAuthorization(username, password) : bearerAuthorization(token);
    setBusy(true);
    setError(null);
    const problem = await check(authorization);
    setBusy(false);
    if (problem) {
      setError(problem);
      return;
    }
    saveAuthorization(authorization);
    navigate(safeNext(params.get("next")), { replace: true });
  }

  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit} aria-label="Log in">
        <div className="brand login-brand">
          <span className="brand-mark">L</span> Lanner
        </div>
        {params.get("expired") && !error ? (
          <div className="banner banner-warn" role="status">
            Your session has ended: log in again.
          </div>
        ) : null}
        <div className="login-tabs" role="tablist">
          <button type="button" role="tab" aria-selected={method === "password"} onClick={() => setMethod("password")}>
            Password
          </button>
          <button type="button" role="tab" aria-selected={method === "token"} onClick={() => setMethod("token")}>
            API token
          </button>
        </div>
        {method === "password" ? (
          <>
            <div className="field">
              <label htmlFor="login-username">Username</label>
              <input
                id="login-username"
                type="text"
                autoComplete="username"
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                required
                autoFocus
              />
            </div>
            <div className="field">
              <label htmlFor="login-password">Password</label>
              <input
                id="login-password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                required
              />
            </div>
          </>
        ) : (
          <div className="field">
            <label htmlFor="login-token">API token</label>
            <input
              id="login-token"
              type="password"
              autoComplete="off"
              value={token}
              onChange={(e) => setToken(e.target.value)}
              required
              autoFocus
            />
          </div>
        )}
        {error ? (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Checking…" : "Log in"}
        </button>
      </form>
    </div>
  );
}
