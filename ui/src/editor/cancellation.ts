/** Monaco's own cancellation error (name and message "Canceled"), which it uses to drop
 * pending work when an editor or model goes away. */
export function isMonacoCancellation(reason: unknown): boolean {
  const error = reason as { name?: unknown; message?: unknown } | null | undefined;
  return !!error && error.name === "Canceled" && error.message === "Canceled";
}
