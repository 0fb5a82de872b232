// The webhook URL and a ready cURL command for a flow's Webhook triggers, built from the flow
// (the server only routes `/api/v1/executions/webhook/{namespace}/{flowId}/{key}`). A key
// written as an expression (`{{ secret('X') }}`) is never resolved here: the URL shows a
// placeholder naming the secret.
import { parse } from "yaml";

const WEBHOOK_TYPES = new Set([
  "lanner.trigger.Webhook",
  "io.kestra.plugin.core.trigger.Webhook",
  "io.kestra.core.models.triggers.types.Webhook",
]);

export function isWebhookType(type: unknown): boolean {
  return typeof type === "string" && WEBHOOK_TYPES.has(type);
}

export interface WebhookKey {
  /** The key as it goes in the URL: the key itself, or a placeholder such as `<ORDERS_KEY>`. */
  segment: string;
  /** The key is an expression (a secret): the placeholder must be replaced by its value. */
  secret: boolean;
  /** The secret's name, when the expression is `secret('NAME')`. */
  secretName: string | null;
}

export function webhookKey(key: string): WebhookKey {
  if (!key.includes("{{")) return { segment: encodeURIComponent(key), secret: false, secretName: null };
  const named = /secret\(\s*['"]([^'"]+)['"]\s*\)/.exec(key);
  const name = named ? named[1] : null;
  return { segment: `<${name ?? "WEBHOOK_KEY"}>`, secret: true, secretName: name };
}

export interface Webhook {
  triggerId: string;
  url: string;
  key: WebhookKey;
  curl: string;
}

export function webhookUrl(origin: string, namespace: string, flowId: string, key: WebhookKey): string {
  const base = origin.replace(/\/+$/, "");
  return `${base}/api/v1/executions/webhook/${encodeURIComponent(namespace)}/${encodeURIComponent(flowId)}/${key.segment}`;
}

/** A POSIX shell word: single quotes, a quote inside written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export const EXAMPLE_BODY = { hello: "world" };

export function curlCommand(url: string, body: unknown = EXAMPLE_BODY): string {
  return [
    `curl -X POST ${shellQuote(url)}`,
    `  -H ${shellQuote("Content-Type: application/json")}`,
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join(" \\\n");
}

export function webhook(origin: string, namespace: string, flowId: string, triggerId: string, rawKey: string): Webhook {
  const key = webhookKey(rawKey);
  const url = webhookUrl(origin, namespace, flowId, key);
  return { triggerId, url, key, curl: curlCommand(url) };
}

/** The Webhook triggers of a flow's YAML source (none when it does not parse). */
export function webhooksOfSource(source: string, origin: string): Webhook[] {
  let flow: unknown;
  try {
    flow = parse(source);
  } catch {
    return [];
  }
  if (!flow || typeof flow !== "object") return [];
  const { id, namespace, triggers } = flow as { id?: unknown; namespace?: unknown; triggers?: unknown };
  if (typeof id !== "string" || typeof namespace !== "string" || !Array.isArray(triggers)) return [];
  return triggers.flatMap((trigger: unknown) => {
    if (!trigger || typeof trigger !== "object") return [];
    const { id: triggerId, type, key } = trigger as { id?: unknown; type?: unknown; key?: unknown };
    if (!isWebhookType(type) || typeof triggerId !== "string" || typeof key !== "string" || !key) return [];
    return [webhook(origin, namespace, id, triggerId, key)];
  });
}
