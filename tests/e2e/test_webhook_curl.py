"""Webhook triggers: the triggers page and the editor's Triggers panel show the webhook URL and a
ready cURL command; the copied command, run for real against the live server, starts an execution.
A key written as a secret expression is never revealed: the URL holds a placeholder."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from playwright.async_api import Page, expect

from lanner.models.state import State

from ..live_server import LiveServer

Shot = Callable[[str], Awaitable[Path]]

FLOW = """id: orders
namespace: shop.web
tasks:
  - id: echo
    type: io.kestra.plugin.core.log.Log
    message: "order {{ trigger.body.hello }}"
triggers:
  - id: on_order
    type: io.kestra.plugin.core.trigger.Webhook
    key: k3yOrders42
  - id: on_secret
    type: io.kestra.plugin.core.trigger.Webhook
    key: "{{ secret('ORDERS_HOOK_KEY') }}"
"""


def _request_of(curl: str) -> tuple[str, str, dict[str, str], str]:
    """Method, URL, headers and body of the shown ``curl -X POST URL -H … -d …`` command."""
    words = shlex.split(curl.replace("\\\n", " "))  # a backslash-newline continues the line, as in a shell
    assert words[0] == "curl"
    method, url, headers, body = "GET", "", {}, ""
    rest = iter(words[1:])
    for word in rest:
        if word == "-X":
            method = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(":")
            headers[name.strip()] = value.strip()
        elif word == "-d":
            body = next(rest)
        else:
            url = word
    return method, url, headers, body


async def test_copied_curl_starts_an_execution(page: Page, server: LiveServer, shot: Shot) -> None:
    await server.engine.deploy(FLOW)
    await page.goto("/ui/triggers")
    await page.get_by_test_id("show-webhook-on_order").click()
    shown = page.get_by_test_id("webhook-on_order")
    await expect(shown.get_by_test_id("webhook-url")).to_have_text(
        f"{server.url}/api/v1/executions/webhook/shop.web/orders/k3yOrders42"
    )
    await shown.get_by_test_id("copy-curl").click()
    await expect(shown.get_by_test_id("copy-curl")).to_have_text("Copied")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == await shown.get_by_test_id("webhook-curl").inner_text()
    await shot("triggers-webhook")

    method, url, headers, body = _request_of(copied)
    assert method == "POST" and headers == {"Content-Type": "application/json"}
    async with httpx.AsyncClient() as http:
        answer = await http.request(method, url, headers=headers, content=body)
    assert answer.status_code == 200, answer.text
    started = answer.json()
    assert (started["namespace"], started["flowId"]) == ("shop.web", "orders")
    ended = await server.engine.wait(started["id"], timeout=30)
    assert ended.execution.state == State.SUCCESS


async def test_a_secret_key_is_never_revealed(page: Page, server: LiveServer) -> None:
    await server.engine.deploy(FLOW)
    await page.goto("/ui/flows/edit/shop.web/orders")
    await page.get_by_role("tab", name="Triggers").click()
    hook = page.get_by_test_id("webhook-on_secret")
    await expect(hook.get_by_test_id("webhook-url")).to_have_text(
        f"{server.url}/api/v1/executions/webhook/shop.web/orders/<ORDERS_HOOK_KEY>"
    )
    await expect(hook.get_by_test_id("webhook-secret-note")).to_contain_text("The key is a secret (ORDERS_HOOK_KEY)")
    assert "secret(" not in await hook.get_by_test_id("webhook-curl").inner_text()
    await expect(page.get_by_test_id("webhook-on_order").get_by_test_id("webhook-curl")).to_contain_text("k3yOrders42")
