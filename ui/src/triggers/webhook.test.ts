import { describe, expect, it } from "vitest";
import { curlCommand, shellQuote, webhookKey, webhooksOfSource, webhookUrl } from "./webhook";

describe("webhook URL", () => {
  it("puts a plain key in the URL", () => {
    expect(webhookUrl("http://h:1/", "company.team", "orders", webhookKey("abc"))).toBe(
      "http://h:1/api/v1/executions/webhook/company.team/orders/abc",
    );
  });
  it("never resolves a secret key: a placeholder names it", () => {
    const key = webhookKey("{{ secret('ORDERS_KEY') }}");
    expect(key).toEqual({ segment: "<ORDERS_KEY>", secret: true, secretName: "ORDERS_KEY" });
    expect(webhookKey("{{ vars.key }}").segment).toBe("<WEBHOOK_KEY>");
  });
});

describe("cURL command", () => {
  it("quotes for the shell and posts JSON", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const curl = curlCommand("http://h/x", { a: 1 });
    expect(curl).toContain("curl -X POST 'http://h/x'");
    expect(curl).toContain("-H 'Content-Type: application/json'");
    expect(curl).toContain(`-d '{"a":1}'`);
  });
});

describe("webhooks of a flow source", () => {
  const source = `id: f
namespace: n
tasks: []
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: k1
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 * * *"
  - id: secret_hook
    type: lanner.trigger.Webhook
    key: "{{ secret('HOOK') }}"
`;
  it("lists only the Webhook triggers", () => {
    const hooks = webhooksOfSource(source, "http://o");
    expect(hooks.map((hook) => hook.triggerId)).toEqual(["hook", "secret_hook"]);
    expect(hooks[0].url).toBe("http://o/api/v1/executions/webhook/n/f/k1");
    expect(hooks[1].key.secret).toBe(true);
    expect(hooks[1].curl).not.toContain("secret(");
  });
  it("is empty for YAML that does not parse", () => {
    expect(webhooksOfSource("id: [", "http://o")).toEqual([]);
  });
});
