// Namespace file paths as the API takes them: relative to the namespace root, `/`-separated,
// no leading slash; and the editor language a file's name asks for.

export interface FileEntry {
  fileName: string;
  type: "File" | "Directory";
  size: number;
  lastModifiedTime?: number;
}

export function joinPath(folder: string, name: string): string {
  const clean = name.trim().replace(/^\/+|\/+$/g, "");
  return folder ? `${folder}/${clean}` : clean;
}

export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Why `name` (a file or folder name, or a path below the root) cannot be used; null when it can. */
export function pathProblem(name: string): string | null {
  const trimmed = name.trim().replace(/^\/+/, "");
  if (!trimmed) return "Give a name.";
  if (trimmed.includes("\\")) return "Use / to separate folders, not \\.";
  const segments = trimmed.replace(/\/+$/, "").split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === ".."))
    return "No empty, . or .. part in a path.";
  return null;
}

/** Whether `path` is `folder` or inside it. */
export function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/** `path` once `from` (a file or folder) has moved to `to`. */
export function movedPath(path: string, from: string, to: string): string {
  return isWithin(path, from) ? to + path.slice(from.length) : path;
}

const BY_EXTENSION: Record<string, string> = {
  py: "python",
  sh: "shell",
  bash: "shell",
  sql: "sql",
  js: "javascript",
  mjs: "javascript",
  json: "javascript",
  ts: "typescript",
  md: "markdown",
  yml: "yaml",
  yaml: "yaml",
  ini: "ini",
  cfg: "ini",
  toml: "ini",
  properties: "ini",
  xml: "xml",
  html: "html",
  css: "css",
  r: "r",
  ps1: "powershell",
};

const BY_NAME: Record<string, string> = { dockerfile: "dockerfile", makefile: "shell" };

/** The Monaco language of a file, by its name or extension (plain text when unknown). */
export function languageFor(path: string): string {
  const name = baseName(path).toLowerCase();
  if (BY_NAME[name]) return BY_NAME[name];
  const dot = name.lastIndexOf(".");
  return dot > 0 ? (BY_EXTENSION[name.slice(dot + 1)] ?? "plaintext") : "plaintext";
}

/** Sorted for the tree: folders first, then by name. */
export function sortEntries(entries: readonly FileEntry[]): FileEntry[] {
  return [...entries].sort((a, b) =>
    a.type === b.type ? a.fileName.localeCompare(b.fileName) : a.type === "Directory" ? -1 : 1,
  );
}
