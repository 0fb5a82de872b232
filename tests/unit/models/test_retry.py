from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter

from lanner.models.retry import ConstantRetry, ExponentialRetry, RandomRetry, Retry

adapter: TypeAdapter[ConstantRetry | ExponentialRetry | RandomRetry] = TypeAdapter(Retry)


def test_constant_retry_parses_iso_durations_and_limits_attempts() -> None:
    policy = adapter.validate_python({"type": "constant", "interval": "PT10S", "maxAttempts": 3})
    assert policy.delay(1) == timedelta(seconds=10)
    assert policy.allows(1, timedelta(0)) and policy.allows(2, timedelta(0))
    assert not policy.allows(3, timedelta(0))


def test_exponential_retry_grows_until_max_interval() -> None:
    policy = adapter.validate_python({"type": "exponential", "interval": "PT1S", "maxInterval": "PT5S", "maxAttempts": 10})
    assert [policy.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [1, 2, 4, 5]


def test_max_duration_stops_retries() -> None:
    policy = adapter.validate_python({"type": "constant", "interval": "PT10S", "maxDuration": "PT25S"})
    assert policy.allows(1, timedelta(seconds=10))
    assert not policy.allows(2, timedelta(seconds=20))


def test_random_retry_stays_in_bounds() -> None:
    policy = adapter.validate_python({"type": "random", "minInterval": "PT1S", "maxInterval": "PT2S", "maxAttempts": 2})
    assert all(1 <= policy.delay(1).total_seconds() <= 2 for _ in range(50))


def test_policy_without_limits_never_retries() -> None:
    assert not adapter.validate_python({"type": "constant", "interval": "PT1S"}).allows(1, timedelta(0))
