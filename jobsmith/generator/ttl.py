"""The missed-run expectation of a scheduled job: the TTL its build-level results carry.

Sensu 1.x raises the TTL event when `now - executed >= ttl` for the last result of the
check (`create_check_ttl_results` in `lib/sensu/server/process.rb`); `executed` is the
build's start. Sensu Go measures from the event's arrival, which is later, so a TTL
right for 1.x is right for Go too. From the start of build k to the result of build k+1:

- a build runs for at most R = L + `alerts.max_wait` (its wait for a lock, taken inside
  the build, or for an executor, before it);
- the next fire comes at most `gap` (the schedule's longest gap) after build k's fire;
- if build k is still running then, the next one waits for it (`concurrency: queue`;
  Jenkins folds the ticks into one waiting item), so it starts after max(gap, R), and
  its result comes at most R later: TTL = max(gap, R) + R + grace;
- `concurrency: skip` skips a tick while build k runs: the next build starts at the
  first tick after k ended (at most R + gap after k started) and its result comes when
  it ends or, should it run past a tick, that skipped tick's result comes first (at
  most min(R, gap + max_wait) later, a tick while it waits for an executor being
  folded): TTL = R + gap + min(R, gap + max_wait) + grace.

L, the longest a build may run,
is the sum over steps of their outer timeouts (the slowest of a parallel group), or
`alerts.max_duration` when a step has no timeout. A job with neither gets the
documented default L = gap (a run may take until the next one is due): generous, so
an unbounded job never raises a false "missed run"; docs/alerts.md says how to do
better. `run_bound` = L + max_wait + grace is the longest from a fire time to its
result; the seed uses it for a job that has not run yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from jobsmith.cron import ResolvedSchedule, longest_gap
from jobsmith.generator.steps import longest_run
from jobsmith.spec.model import JobSpec

GRACE = 600.0  # seconds on top of everything declared: Jenkins' own latency, clocks
# Gaps are measured over a fixed year so that output does not depend on the day.
GAP_START = datetime(2028, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Expectation:
    """What Sensu expects of a scheduled job (seconds)."""

    ttl: int  # carried by each build-level result
    run_bound: int  # longest from a fire time to that build's result
    longest_run: float  # L
    bounded: bool  # whether L comes from the spec (False: the default L = gap)


def expectation(job: JobSpec) -> Expectation | None:
    """The job's missed-run expectation; None when it has none (not scheduled, disabled,
    `alerts.missed_runs: false`, or a schedule that never fires)."""
    if job.resolved_schedule is None or job.disabled or not job.alerts.missed_runs:
        return None
    gap = _longest_gap(job.resolved_schedule)
    if gap is None:
        return None
    run = longest_run(job)
    if run is None:
        run = job.alerts.max_duration
    bounded = run is not None
    longest = run if run is not None else gap
    wait = job.alerts.max_wait or 0.0
    run = longest + wait  # a build's longest, a wait for its lock (inside the build) too
    # `skip`: a tick while the build runs is skipped, the next build starts at the
    # first tick after it ends, and its result comes when it ends or, when it runs
    # past a tick, the skipped tick's result comes first.
    skip = job.concurrency == "skip"
    ttl = (run + gap + min(run, gap + wait) if skip else max(gap, run) + run) + GRACE
    return Expectation(ttl=int(ttl), run_bound=int(longest + wait + GRACE),
                       longest_run=longest, bounded=bounded)


@lru_cache(maxsize=8192)
def _longest_gap(resolved: ResolvedSchedule) -> float | None:
    # Many jobs resolve to the same times; a year of runs is worth computing once.
    return longest_gap(resolved, GAP_START)
