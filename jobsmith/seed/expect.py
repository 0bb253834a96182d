"""What Sensu must expect after a seed run: the missed-run TTL follows the specs.

Each build-level result carries its job's TTL (`generator/ttl.py`), so without help a
seed run that changes a schedule, disables or removes a job would leave Sensu expecting
what the old specs said, and a new job that never runs would never alert. After Job DSL
has applied the new specs, the seed compares the previous manifest with the new one and,
for each job whose expectation changed, tells Sensu the new one in a result on the
job's own check:

- **restate**: the job still runs on a schedule. Its last outcome (Jenkins' last
  completed build: result, start, number) is sent again, status unchanged, so a failure
  stays critical; its `ttl` is counted from that build's start (Sensu 1.x measures from
  `executed`) to the next fire time under the new schedule plus the run bound.
- **retire**: no runs are expected any more (disabled, removed, unscheduled,
  `missed_runs: false`): the last outcome again, without a `ttl`. Sensu 1.x skips a
  result without `ttl` in `create_check_ttl_results`; Sensu Go buries the check's TTL
  switch when an event without one follows one with one (eventd `handleMessage`).
- **announce**: a scheduled job that has no completed build: an OK result "expected at
  <first fire>" whose `ttl` runs out at the first fire time plus the run bound, so a
  job that never runs (its label matches no agent) raises a missed-run alert.
- **keep**: the job was already overdue under the old expectation (Sensu has raised,
  or is about to raise, the missed-run alert). Nothing is sent: a restated OK would
  resolve a real missed run. The next build's result resolves it.
- **missed**: overdue and no runs expected any more: a critical result without a `ttl`
  that says so; a person resolves it.
- **unknown**: gone from Jenkins with nothing to restate: nothing is sent (a warning).

A build that runs during the seed run reports, when it ends, with the TTL its pipeline
started with (docs/alerts.md, "Seed runs").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from jobsmith.wrapper.alerts import STATUS_CRITICAL, STATUS_OK, check_name, source_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

MIN_TTL = 5  # Sensu Go's minimum (Check.Validate); the wrapper's TTLs are far above it

RESTATE, RETIRE, ANNOUNCE, KEEP, MISSED, UNKNOWN = (
    "restate", "retire", "announce", "keep", "missed", "unknown")


@dataclass(frozen=True)
class Expectation:
    """A job's missed-run expectation as the manifest has it (`ttl` None: none)."""

    ttl: int | None = None
    run_bound: int | None = None
    schedule: str | None = None
    handlers: tuple[str, ...] = ()
    max_duration: float | None = None


NOTHING = Expectation()  # a job absent from a manifest


def expectation_of(entry: Mapping[str, Any]) -> Expectation:
    """The expectation fields of one manifest `jobs` entry."""
    ttl, bound = entry.get("ttl"), entry.get("run_bound")
    limit = entry.get("max_duration")
    return Expectation(
        ttl=int(ttl) if isinstance(ttl, (int, float)) else None,
        run_bound=int(bound) if isinstance(bound, (int, float)) else None,
        schedule=entry.get("schedule") if isinstance(entry.get("schedule"), str) else None,
        handlers=tuple(str(h) for h in entry.get("handlers") or ()),
        max_duration=float(limit) if isinstance(limit, (int, float)) else None,
    )


def expectations(manifest: Mapping[str, Any]) -> dict[str, Expectation]:
    jobs = manifest.get("jobs") or {}
    return {str(name): expectation_of(entry) for name, entry in jobs.items()
            if isinstance(entry, dict)}


@dataclass(frozen=True)
class LastBuild:
    """Jenkins' last completed build of a job (times in epoch seconds)."""

    number: int
    result: str  # Run.getResult: SUCCESS, UNSTABLE, FAILURE, ABORTED, NOT_BUILT
    started: float  # Run.getTimestamp
    duration: float  # Run.getDuration
    url: str | None = None
    previous_result: str | None = None  # of the completed build before it


@dataclass(frozen=True)
class JobState:
    """What Jenkins says of a job during the seed run."""

    exists: bool
    last: LastBuild | None = None
    building: bool = False  # a build runs now: it reports with the TTL it started with


@dataclass(frozen=True)
class Step:
    """What the seed run does for one job: `check` is the result to send (None: none)."""

    job: str
    action: str
    note: str
    check: dict[str, Any] | None = None
    running: bool = False


@dataclass
class Planner:
    """Plans a seed run's results. `now` and `previous_at` (when the previous seed run,
    whose manifest is `previous`, started; None: unknown) are epoch seconds."""

    now: float
    # (job, schedule text, after) -> the first fire time strictly after `after`, or None
    next_fire: Callable[[str, str, float], float | None]
    previous_at: float | None = None
    source: str = "jobsmith"
    host: str = ""

    def plan(
        self,
        previous: Mapping[str, Expectation],
        current: Mapping[str, Expectation],
        state: Callable[[str], JobState],
    ) -> list[Step]:
        """One step for each job whose expectation changed (none for the others)."""
        steps = []
        for job in sorted(set(previous) | set(current)):
            old, new = previous.get(job, NOTHING), current.get(job, NOTHING)
            if old == new or (old.ttl is None and new.ttl is None):
                continue  # same expectation, or none before and none now
            steps.append(self.decide(job, old, new, state(job)))
        return steps

    def decide(self, job: str, old: Expectation, new: Expectation, state: JobState) -> Step:
        last = state.last
        due = self.old_deadline(job, old, state)
        overdue = due is not None and self.now >= due
        if last is None and new.ttl is None and not state.exists:
            return Step(job, UNKNOWN, "gone from Jenkins and never completed a build: "
                        "nothing to restate; delete its check in Sensu if one is left")
        if new.ttl is not None and overdue:
            return Step(job, KEEP, f"overdue since {_iso(due)} under the previous specs: "
                        "the missed-run alert stands until a build reports",
                        running=state.building)
        if new.ttl is None and overdue:
            text = (f"{job}: missed its run (due by {_iso(due)}), and the specs expect no "
                    "runs any more (disabled or removed): resolve this by hand")
            check = self.result(job, new, old, last, STATUS_CRITICAL, text, None)
            return Step(job, MISSED, "overdue and no runs expected any more", check,
                        state.building)
        if new.ttl is None:
            if last is None:
                text = f"{job}: never ran, and the specs expect no runs any more"
                check = self.result(job, new, old, None, STATUS_OK, text, None)
            else:
                check = self.restated(job, new, old, last, "no runs expected any more", None)
            return Step(job, RETIRE, "no runs expected any more", check, state.building)
        assert new.schedule is not None and new.run_bound is not None
        fire = self.next_fire(job, new.schedule, self.now)
        if fire is None:  # cannot be: a schedule that never fires has no TTL
            return Step(job, KEEP, "its schedule never fires", running=state.building)
        deadline = fire + new.run_bound
        if last is None:
            if state.building:
                return Step(job, KEEP, "its first build runs now: it reports itself",
                            running=True)
            text = (f"{job}: no build yet; expected to start at {_iso(fire)} and to "
                    f"report by {_iso(deadline)}")
            check = self.result(job, new, old, None, STATUS_OK, text,
                                _ttl(deadline - self.now))
            return Step(job, ANNOUNCE, f"expected by {_iso(deadline)}", check)
        why = f"next run at {_iso(fire)}, expected to report by {_iso(deadline)}"
        check = self.restated(job, new, old, last, why, _ttl(deadline - int(last.started)))
        return Step(job, RESTATE, why, check, state.building)

    def old_deadline(self, job: str, old: Expectation, state: JobState) -> float | None:
        """When Sensu, holding what the previous specs said, expects the next result at
        the latest (no later than it really does, so an overdue job is never missed);
        None when it expects none or a build runs now (that build will report)."""
        if old.ttl is None or old.schedule is None or old.run_bound is None:
            return None
        if state.building:
            return None
        last = state.last
        if last is None:  # the previous seed run announced it
            if self.previous_at is None:
                return None
            fire = self.next_fire(job, old.schedule, self.previous_at)
            return None if fire is None else fire + old.run_bound
        # The next run after `last`: the first fire after it started (after the previous
        # seed run when that restated it), not before `last` ended; or the build's own TTL.
        after = max(last.started, self.previous_at or 0.0)
        fire = self.next_fire(job, old.schedule, after)
        own = last.started + old.ttl
        if fire is None:
            return own
        return min(own, max(fire, last.started + last.duration) + old.run_bound)

    def restated(self, job: str, new: Expectation, old: Expectation, last: LastBuild,
                 why: str, ttl: int | None) -> dict[str, Any]:
        from jobsmith.wrapper.build import build_outcome

        limit = new.max_duration if new.max_duration is not None else old.max_duration
        outcome = build_outcome(job, last.result, duration=last.duration, max_duration=limit,
                                part=None, number=last.number, previous=last.previous_result)
        word = {"SUCCESS": "succeeded", "UNSTABLE": "was unstable", "FAILURE": "failed",
                "ABORTED": "was aborted"}.get(last.result, "did not run")
        text = (f"{job} #{last.number} {word} (its last completed build, restated by the "
                f"seed run: {why})")
        if outcome.status == STATUS_CRITICAL and last.result != "FAILURE":
            text += "; the build before it failed, so the check stays critical"
        return self.result(job, new, old, last, outcome.status, text, ttl,
                           outcome=outcome.outcome)

    def result(self, job: str, new: Expectation, old: Expectation, last: LastBuild | None,
               status: int, text: str, ttl: int | None,
               outcome: str = "expected") -> dict[str, Any]:
        """A check result in the wrapper's form (`alerts.check_result`), on the job's check."""
        handlers = new.handlers if new != NOTHING else old.handlers
        check: dict[str, Any] = {
            "name": check_name(job),
            "status": status,
            "output": text + "\n",
            "handlers": list(handlers),
            "source": source_name(self.source),
            "host": self.host,
            # The build's start orders this result against the builds' own (ledger);
            # an announcement has no build: now, build 0.
            "executed": int(last.started) if last else int(self.now),
            "duration": round(last.duration, 3) if last else 0,
            "job": job,
            "exit_code": 1 if status == STATUS_CRITICAL else 0,
            "attempts": 0,
            "build_url": last.url if last else None,
            "build": last.number if last else 0,
            "outcome": outcome,
            "restated_by": "seed",
        }
        if ttl is not None:
            check["ttl"] = ttl
            check["ttl_status"] = STATUS_CRITICAL  # as the builds' own results
        return check


def _ttl(seconds: float) -> int:
    return max(MIN_TTL, math.ceil(seconds))


def _iso(instant: float | None) -> str:
    if instant is None:
        return "-"
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
