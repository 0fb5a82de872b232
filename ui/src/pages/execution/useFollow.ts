import { useEffect, useState } from "react";
import { api } from "../../api/client";
import { follow } from "../../api/sse";
import { TERMINAL_STATES, type Execution, type LogEntry } from "../../api/types";

export interface FollowedExecution {
  execution: Execution | null;
  error: unknown;
  /** the stream is open: changes arrive as they happen */
  live: boolean;
}

/** The execution, kept current by `GET /executions/{id}/follow` until it ends. `generation`
 * restarts the follow (after a restart of the execution). */
export function useExecution(id: string, generation: number, minHistories = 0): FollowedExecution {
  const [state, setState] = useState<FollowedExecution>({ execution: null, error: null, live: false });
  useEffect(() => {
    const controller = new AbortController();
    let cancelled = false;
    // after a restart, the execution is read again once the restart shows in its history
    // (the action is taken asynchronously by the engine): then it is followed as it runs again
    const read = async (): Promise<Execution> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const execution = await api.getExecution(id);
        if (cancelled || (execution.state.histories?.length ?? 0) >= minHistories || Date.now() > deadline) return execution;
        await new Promise((resolve) => window.setTimeout(resolve, 200));
      }
    };
    read().then(
      (execution) => {
        if (cancelled) return;
        setState({ execution, error: null, live: !TERMINAL_STATES.has(execution.state.current) });
        if (TERMINAL_STATES.has(execution.state.current)) return;
        void follow<Execution | { id: string }>(
          `/executions/${encodeURIComponent(id)}/follow`,
          {
            onEvent: (data, event) => {
              if (event.id === "start" || !("state" in data)) return;
              setState((current) => ({ ...current, execution: data, live: event.id !== "end" }));
            },
            onEnd: () => setState((current) => ({ ...current, live: false })),
            onError: (error) => setState((current) => ({ ...current, live: false, error })),
          },
          controller.signal,
        );
      },
      (error: unknown) => !cancelled && setState({ execution: null, error, live: false }),
    );
    return () => {
      cancelled = true;
      controller.abort();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, generation]);
  return state;
}

export interface FollowedLogs {
  entries: LogEntry[];
  live: boolean;
  error: unknown;
}

/** Every log line of the execution, in order, then each new one as it is written
 * (`GET /logs/{id}/follow`, which ends once the execution has ended). */
export function useLogs(id: string, generation: number): FollowedLogs {
  const [state, setState] = useState<FollowedLogs>({ entries: [], live: true, error: null });
  useEffect(() => {
    const controller = new AbortController();
    setState({ entries: [], live: true, error: null });
    // lines arriving together are added in one render
    let pending: LogEntry[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setState((current) => ({ ...current, entries: current.entries.concat(batch) }));
    };
    void follow<LogEntry | Record<string, never>>(
      `/logs/${encodeURIComponent(id)}/follow`,
      {
        onEvent: (data, event) => {
          if (event.id === "start" || !("message" in data)) return;
          pending.push(data as LogEntry);
          if (!frame) frame = window.setTimeout(flush, 50);
        },
        onEnd: () => {
          if (frame) window.clearTimeout(frame);
          flush();
          setState((current) => ({ ...current, live: false }));
        },
        onError: (error) => setState((current) => ({ ...current, live: false, error })),
      },
      controller.signal,
    );
    return () => {
      if (frame) window.clearTimeout(frame);
      controller.abort();
    };
  }, [id, generation]);
  return state;
}
