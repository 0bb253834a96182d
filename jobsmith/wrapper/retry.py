"""When to retry an attempt and how long to wait first.

`compute_backoff` is a pure function (the random draw is an argument); `RetryPolicy`
decides from an attempt's outcome. Attempts are numbered from 1.
"""

EXIT_TIMEOUT = 124


def compute_backoff(retry: int, backoff: float, max_backoff: float, jitter: float) -> float:
    """Seconds to wait before retry number `retry` (1 = the first retry).

    The base wait is `backoff * 2**(retry - 1)`, capped at `max_backoff`; `jitter` in
    [0, 1) spreads it over the upper half, [base/2, base), so that jobs failing together
    do not all come back at the same instant.
    """
    if retry < 1:
        raise ValueError(f"retry numbers start at 1, got {retry}")
    if not 0.0 <= jitter < 1.0:
        raise ValueError(f"jitter must be in [0, 1), got {jitter}")
    # 2**retry overflows a float for huge retry counts; the cap wins long before.
    base = max_backoff if retry > 64 else min(backoff * 2.0 ** (retry - 1), max_backoff)
    return base / 2.0 + base / 2.0 * jitter


class RetryPolicy:
    """Retries after the first attempt, their waits, and which outcomes deserve one."""

    __slots__ = ("backoff", "max_backoff", "retries", "retry_on")

    def __init__(
        self,
        retries: int,
        backoff: float,
        max_backoff: float,
        retry_on: frozenset[int] | None = None,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retry_on = retry_on

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def should_retry(self, attempt: int, exit_code: int, timed_out: bool) -> bool:
        """Whether `attempt`, which ended with `exit_code`, gets another try.

        A timeout counts as exit status 124, so `--retry-on` can name it; without
        `--retry-on` every failure (timeouts included) is retried.
        """
        if attempt >= self.attempts:
            return False
        code = EXIT_TIMEOUT if timed_out else exit_code
        if code == 0:
            return False
        return self.retry_on is None or code in self.retry_on

    def not_retried(self, attempt: int, exit_code: int, timed_out: bool) -> str | None:
        """Why a failed attempt with retries left gets none: its status is not among
        `--retry-on`. None when there is nothing to explain."""
        code = EXIT_TIMEOUT if timed_out else exit_code
        if attempt >= self.attempts or code == 0 or self.retry_on is None:
            return None
        if code in self.retry_on:
            return None
        what = "a timeout (status 124)" if timed_out else f"exit {code}"
        codes = ",".join(str(c) for c in sorted(self.retry_on))
        return f"{what} is not among --retry-on {codes}"

    def delay(self, attempt: int, jitter: float) -> float:
        """Seconds to wait after failed `attempt` before the next one."""
        return compute_backoff(attempt, self.backoff, self.max_backoff, jitter)
