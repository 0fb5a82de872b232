from __future__ import annotations

import base64

import pytest

from lanner.engine.secrets import EnvSecrets
from lanner.engine.task_logs import Masker
from lanner.errors import ExpressionError


def test_plain_and_kestra_base64_secrets() -> None:
    secrets = EnvSecrets({"LANNER_SECRET_API": "plain-value", "SECRET_TOKEN": base64.b64encode(b"kestra-style").decode()})
    assert secrets.get("api") == "plain-value"
    assert secrets.get("TOKEN") == "kestra-style"


def test_missing_secret_says_how_to_define_it() -> None:
    with pytest.raises(ExpressionError, match="LANNER_SECRET_NOPE"):
        EnvSecrets({}).get("nope")


def test_masker_hides_secrets_in_text_and_structures() -> None:
    masker = Masker()
    masker.add("s3cr3t-value")
    masker.add("ab")  # too short to mask safely
    assert masker("token=s3cr3t-value;ab") == "token=******;ab"
    assert masker.deep({"a": ["x s3cr3t-value y"], "n": 1}) == {"a": ["x ****** y"], "n": 1}
