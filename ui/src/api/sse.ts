// Server-Sent Events read with fetch (not EventSource): the stream ends when the server ends
// it (EventSource would reconnect and replay every event), and it can be aborted.
import { authHeaders, unauthorized } from "./auth";
import { apiUrl, type Query } from "./client";

export interface SseEvent {
  /** the `id:` field: Kestra's follow endpoints say `start`, `progress` or `end` there */
  id: string | null;
  /** the `event:` field, `message` when absent */
  event: string;
  data: string;
}

/** Incremental parser of the text/event-stream format: feed it chunks, it returns whole events. */
export class SseParser {
  private buffer = "";
  private id: string | null = null;
  private event = "";
  private data: string[] = [];

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith("\r\n", newline) ? 2 : 1;
      // a lone \r at the end of the buffer may be the first half of \r\n: wait for more
      if (width === 1 && this.buffer[newline] === "\r" && newline === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(newline + width);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === "") {
      if (this.data.length === 0) {
        this.event = "";
        return null;
      }
      const event = { id: this.id, event: this.event || "message", data: this.data.join("\n") };
      this.event = "";
      this.data = [];
      return event;
    }
    if (line.startsWith(":")) return null; // comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "id") this.id = value;
    else if (field === "event") this.event = value;
    return null;
  }
}

export interface FollowHandlers<T> {
  onEvent: (data: T, event: SseEvent) => void;
  /** the server ended the stream (the execution ended) */
  onEnd?: () => void;
  onError?: (error: unknown) => void;
}

/** Follows `path` until the server closes the stream or `signal` aborts it. */
export async function follow<T>(path: string, handlers: FollowHandlers<T>, signal: AbortSignal, query: Query = {}): Promise<void> {
  try {
    const response = await fetch(apiUrl(path, query), {
      headers: { Accept: "text/event-stream", ...authHeaders() },
      credentials: "same-origin",
      signal,
    });
    if (response.status === 401) unauthorized();
    if (!response.ok || !response.body) throw new Error(`follow ${path}: ${response.status} ${response.statusText}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const event of parser.push(value)) handlers.onEvent(JSON.parse(event.data) as T, event);
    }
    handlers.onEnd?.();
  } catch (error) {
    if (signal.aborted) return;
    handlers.onError?.(error);
  }
}
