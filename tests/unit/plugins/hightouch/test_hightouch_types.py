"""The Hightouch task type as flows see it."""

from __future__ import annotations

import pytest

from lanner.errors import FlowValidationError
from lanner.flows.loader import parse_flow
from lanner.models.registry import default_registry

KESTRA = """
id: hightouch_sync
namespace: company.team
tasks:
  - id: sync
    type: io.kestra.plugin.hightouch.Sync
    token: "{{ secret('HIGHTOUCH_API_TOKEN') }}"
    syncId: 1127166
    fullResynchronization: true
    maxDuration: PT10M
"""


def test_a_kestra_flow_validates_and_needs_a_sync() -> None:
    assert default_registry().canonical("io.kestra.plugin.hightouch.Sync") == "lanner.hightouch.Sync"
    parse_flow(KESTRA)
    with pytest.raises(FlowValidationError, match="exactly one of `syncId` and `syncSlug`"):
        parse_flow(KESTRA.replace("    syncId: 1127166\n", ""))
