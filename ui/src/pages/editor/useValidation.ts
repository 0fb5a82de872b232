import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { Issue } from "../../api/types";

export interface Validation {
  /** the problems of `checkedSource` */
  issues: Issue[];
  /** the source the issues are about (markers must match the text they were found in) */
  checkedSource: string | null;
  checking: boolean;
  /** the server could not be asked */
  failed: unknown;
}

/** Validates the source on the server once typing pauses for `delay` ms; stale answers are dropped. */
export function useValidation(source: string, delay = 400): Validation {
  const [state, setState] = useState<Validation>({ issues: [], checkedSource: null, checking: false, failed: null });
  useEffect(() => {
    const controller = new AbortController();
    setState((current) => ({ ...current, checking: true }));
    const timer = window.setTimeout(() => {
      api
        .validateFlow(source, controller.signal)
        .then((results) => {
          const issues = results.flatMap((result) => result.errors ?? []);
          setState({ issues, checkedSource: source, checking: false, failed: null });
        })
        .catch((error: unknown) => {
          if (!controller.signal.aborted) setState((current) => ({ ...current, checking: false, failed: error }));
        });
    }, delay);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [source, delay]);
  return state;
}
