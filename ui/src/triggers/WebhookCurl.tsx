import { useState } from "react";
import type { Webhook } from "./webhook";

/** Copies text to the clipboard; a page served over plain HTTP (no clipboard API) selects it instead. */
async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export function WebhookCurl({ hook }: { hook: Webhook }) {
  const [copied, setCopied] = useState<string | null>(null);
  const onCopy = async (what: string, text: string) => setCopied((await copy(text)) ? what : "failed");
  return (
    <div className="webhook" data-testid={`webhook-${hook.triggerId}`}>
      <div className="webhook-line">
        <span className="muted small">URL</span>
        <code className="webhook-url" data-testid="webhook-url">
          {hook.url}
        </code>
        <button type="button" className="ghost small" onClick={() => onCopy("url", hook.url)}>
          {copied === "url" ? "Copied" : "Copy URL"}
        </button>
      </div>
      {hook.key.secret && (
        <p className="muted small" data-testid="webhook-secret-note">
          The key is a secret{hook.key.secretName ? <> (<code>{hook.key.secretName}</code>)</> : null}: replace{" "}
          <code>{hook.key.segment}</code> with its value. The UI never reveals it.
        </p>
      )}
      <pre className="code webhook-curl" data-testid="webhook-curl">
        {hook.curl}
      </pre>
      <button type="button" className="small" onClick={() => onCopy("curl", hook.curl)} data-testid="copy-curl">
        {copied === "curl" ? "Copied" : copied === "failed" ? "Copy failed: select the text" : "Copy cURL"}
      </button>
    </div>
  );
}

export function WebhookList({ hooks }: { hooks: Webhook[] }) {
  return (
    <div className="webhooks">
      {hooks.map((hook) => (
        <section className="card" key={hook.triggerId}>
          <h3>
            Webhook <code>{hook.triggerId}</code>
          </h3>
          <WebhookCurl hook={hook} />
        </section>
      ))}
    </div>
  );
}
