from __future__ import annotations

import pytest

from jobsmith.wrapper.retry import RetryPolicy, compute_backoff


@pytest.mark.parametrize(
    ("retry", "backoff", "max_backoff", "jitter", "expected"),
    [
        # base = backoff * 2**(retry-1), capped; the wait is base/2 + base/2 * jitter
        (1, 30.0, 600.0, 0.0, 15.0),
        (1, 30.0, 600.0, 0.5, 22.5),
        (2, 30.0, 600.0, 0.0, 30.0),
        (3, 30.0, 600.0, 0.0, 60.0),
        (4, 30.0, 600.0, 0.999, 239.88),
        (5, 30.0, 600.0, 0.0, 240.0),
        (6, 30.0, 600.0, 0.0, 300.0),  # 960 capped at 600
        (7, 30.0, 600.0, 0.5, 450.0),
        (1000, 30.0, 600.0, 0.0, 300.0),  # no overflow
        (1, 0.0, 600.0, 0.7, 0.0),
        (3, 0.1, 10.0, 0.0, 0.2),
    ],
)
def test_backoff_table(
    retry: int, backoff: float, max_backoff: float, jitter: float, expected: float
) -> None:
    assert compute_backoff(retry, backoff, max_backoff, jitter) == pytest.approx(expected)


@pytest.mark.parametrize(("retry", "jitter"), [(0, 0.0), (1, 1.0), (1, -0.1)])
def test_backoff_rejects_bad_arguments(retry: int, jitter: float) -> None:
    with pytest.raises(ValueError):
        compute_backoff(retry, 1.0, 10.0, jitter)


@pytest.mark.parametrize(
    ("retries", "retry_on", "attempt", "exit_code", "timed_out", "expected"),
    [
        (2, None, 1, 1, False, True),
        (2, None, 2, 75, False, True),
        (2, None, 3, 75, False, False),  # retries used up
        (2, None, 1, 0, False, False),  # success
        (2, None, 1, 124, True, True),  # timeouts are retried by default
        (2, None, 1, 137, False, True),  # so are signal deaths
        (0, None, 1, 1, False, False),
        (3, frozenset({75}), 1, 75, False, True),
        (3, frozenset({75}), 1, 1, False, False),
        (3, frozenset({75}), 1, 124, True, False),  # a timeout is status 124
        (3, frozenset({75, 124}), 1, 124, True, True),
    ],
)
def test_should_retry(
    retries: int,
    retry_on: frozenset[int] | None,
    attempt: int,
    exit_code: int,
    timed_out: bool,
    expected: bool,
) -> None:
    policy = RetryPolicy(retries, 1.0, 10.0, retry_on)
    assert policy.should_retry(attempt, exit_code, timed_out) is expected
