// Server validation issues → Monaco marker data. The server gives 1-based line and column;
// a marker spans the word there (a property name up to its colon, or the rest of the line).
import type { Issue } from "../api/types";

export type Severity = "error" | "warning";

export interface MarkerData {
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
  message: string;
  severity: Severity;
  /** the property path the server named, e.g. `tasks[0].message` */
  path: string | null;
}

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);

/** The message shown on hover and in the problems list: what, where, and what to do. */
export function issueMessage(issue: Issue): string {
  let message = issue.message;
  if (issue.path && !message.includes(issue.path)) message += ` (at ${issue.path})`;
  if (issue.hint) message += `\nHint: ${issue.hint}`;
  return message;
}

function firstNonBlank(line: string): number {
  const index = line.search(/\S/);
  return index < 0 ? 1 : index + 1;
}

/** End column (exclusive, 1-based) of the token starting at `column` on `line`. */
function tokenEnd(line: string, column: number): number {
  const rest = line.slice(column - 1);
  const key = /^(?:- )?[^\s:#][^:#]*?(?=:(?:\s|$))/.exec(rest);
  if (key) return column + key[0].length;
  const trimmed = rest.replace(/\s+$/, "");
  return column + Math.max(trimmed.length, 1);
}

export function issuesToMarkers(issues: readonly Issue[], text: string, severity: Severity = "error"): MarkerData[] {
  const lines = text.split(/\r\n|\r|\n/);
  return issues.map((issue) => {
    const lineNumber = clamp(issue.line ?? 1, 1, lines.length);
    const line = lines[lineNumber - 1] ?? "";
    const startColumn = clamp(issue.column ?? firstNonBlank(line), 1, line.length + 1);
    let endColumn = tokenEnd(line, startColumn);
    let start = startColumn;
    if (startColumn > line.length && line.length > 0) {
      // past the end of the line (a missing value): underline the line's last character
      start = line.length;
      endColumn = line.length + 1;
    }
    return {
      startLineNumber: lineNumber,
      startColumn: start,
      endLineNumber: lineNumber,
      endColumn: Math.max(endColumn, start + 1),
      message: issueMessage(issue),
      severity,
      path: issue.path ?? null,
    };
  });
}
