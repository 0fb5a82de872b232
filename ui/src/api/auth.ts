// The credentials the login page was given, kept for this browser tab only (sessionStorage:
// gone when the tab closes, never shared with other sites' scripts through localStorage).
// Every API call sends them as `Authorization`, plus `X-Requested-With`, which tells the
// server not to answer a 401 with `WWW-Authenticate` (the browser's own password dialog).

const KEY = "lanner.authorization";
export const LOGIN_PATH = "/login";

export function authorization(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveAuthorization(value: string): void {
  window.sessionStorage.setItem(KEY, value);
}

export function clearAuthorization(): void {
  window.sessionStorage.removeItem(KEY);
}

/** `Basic base64(user:password)`, UTF-8 safe (btoa alone takes Latin-1 only). */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  bytes.forEach((byte) => (binary += String.fromCharCode(byte)));
  return `Basic ${btoa(binary)}`;
}

export function bearerAuthorization(token: string): string {
  return `Bearer ${token.trim()}`;
}

/** The headers every API request carries. */
export function authHeaders(value: string | null = authorization()): Record<string, string> {
  const headers: Record<string, string> = { "X-Requested-With": "XMLHttpRequest" };
  if (value) headers.Authorization = value;
  return headers;
}

/** The login page's address, coming back to `next` (a path of the app) once logged in. */
export function loginUrl(next: string, expired: boolean): string {
  const query = new URLSearchParams({ next });
  if (expired) query.set("expired", "1");
  return `/ui${LOGIN_PATH}?${query.toString()}`;
}

/** Where to go after logging in: a path of the app only (never another site). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith(LOGIN_PATH)) return "/flows";
  return next;
}

let redirecting = false;

/** A 401 from the API: forget the credentials and show the login page. */
export function unauthorized(): void {
  if (redirecting) return;
  const path = window.location.pathname.replace(/^\/ui/, "") || "/";
  if (path.startsWith(LOGIN_PATH)) return;
  redirecting = true;
  const had = authorization() !== null;
  clearAuthorization();
  window.location.assign(loginUrl(path + window.location.search, had));
}
