"""Failed authentications: counted per client within a minute, refused past 20, logged without
the token, and the memory kept small. The clock is moved, not waited for."""

from __future__ import annotations

import logging

import pytest

from access.throttle import AuthFailures


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_twenty_failures_a_minute_are_allowed_and_the_next_attempt_is_refused(
    clock: Clock,
) -> None:
    failures = AuthFailures(clock=clock)
    for n in range(20):
        assert failures.retry_after("10.0.0.1") is None, n
        failures.failed("10.0.0.1", "unknown token")
        clock.now += 1
    # 20 failures from t=1000 to t=1019; now t=1020: refused until the first is a minute old.
    assert failures.retry_after("10.0.0.1") == 40
    assert failures.retry_after("10.0.0.2") is None  # another client is not slowed
    clock.now = 1059.5
    assert failures.retry_after("10.0.0.1") == 1
    clock.now = 1060.0  # the first failure has left the window: 19 remain
    assert failures.retry_after("10.0.0.1") is None
    failures.failed("10.0.0.1", "unknown token")  # the 20th within the minute again
    assert failures.retry_after("10.0.0.1") == 1  # until t=1061, when the second one leaves


def test_failures_spread_over_more_than_a_minute_are_never_refused(clock: Clock) -> None:
    failures = AuthFailures(clock=clock)
    for _ in range(100):
        assert failures.retry_after("10.0.0.1") is None
        failures.failed("10.0.0.1", "unknown token")
        clock.now += 3.1  # fewer than 20 in any 60 seconds
    assert failures.clients() == 1


def test_one_key_counts_once_within_the_window(clock: Clock) -> None:
    failures = AuthFailures(clock=clock)
    for _ in range(50):
        failures.failed("10.0.0.1", "stale token", key="hash-of-one-token")
    assert failures.retry_after("10.0.0.1") is None
    for n in range(19):
        failures.failed("10.0.0.1", "guess", key=f"hash-{n}")
    assert failures.retry_after("10.0.0.1") == 60


def test_failures_are_logged_with_the_client_and_reason(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    failures = AuthFailures(limit=2, clock=clock)
    with caplog.at_level(logging.WARNING, logger="d2a.auth"):
        failures.failed("192.0.2.9", "unknown, expired or revoked token")
        failures.failed("192.0.2.9", "no bearer token")
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "authentication failed from 192.0.2.9: unknown, expired or revoked token"
    assert messages[1] == "authentication failed from 192.0.2.9: no bearer token"
    assert "192.0.2.9" in messages[2] and "refusing" in messages[2]
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_memory_stays_small(clock: Clock) -> None:
    failures = AuthFailures(clock=clock, max_clients=100)
    for n in range(1000):
        failures.failed(f"10.1.{n // 250}.{n % 250}", "guess")
        for _ in range(30):  # a busy client keeps at most the limit of timestamps
            failures.failed("10.9.9.9", "guess")
    assert failures.clients() <= 101
    assert len(failures._failures["10.9.9.9"]) == 20
    clock.now += 61
    failures.failed("10.2.0.1", "guess")
    assert failures.clients() <= 101
