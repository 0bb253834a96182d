"""What a seed run tells Sensu (jobsmith/seed/expect.py), over manifests `jobsmith
generate` really writes, with fire times from the cron module (H-free schedules, so
each expected instant below is worked out by hand).

Sensu semantics the expected values follow:
- Sensu 1.x stores the last result of a check whatever its `executed`
  (`store_check_result`) and raises the TTL event when `now - executed >= ttl`; a
  result without `ttl` is skipped (`create_check_ttl_results`,
  lib/sensu/server/process.rb). So a restated result's deadline is `executed + ttl`.
- Sensu Go resets the check's TTL switch on each event with a `ttl` and buries it when
  an event without one follows one with one (backend/eventd/eventd.go, `handleMessage`).
- The documentation says the same of the result attribute: `ttl` is "the time to live
  (TTL) in seconds until check results are considered stale"; when no result arrives
  before it expires, an event is created for the client (Sensu 1.x checks reference)
  or for the agent's entity (Sensu Go checks reference), and it must exceed the
  check's `interval` (Sensu Go: and be at least 5 s, hence `MIN_TTL`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobsmith.generator import generate
from jobsmith.seed.after_seed import fire_after
from jobsmith.seed.expect import (
    ANNOUNCE,
    KEEP,
    MISSED,
    RESTATE,
    RETIRE,
    UNKNOWN,
    JobState,
    LastBuild,
    Planner,
    expectations,
)

NOW = "2026-12-01T10:30:00Z"
# timeout 10m: L = 670 s (the step's outer bound: timeout, kill-after, margin);
# run_bound = L + grace (600) = 1270 s = 21m10s; hourly ttl = 3600 + L + grace = 4870 s
HOURLY = "schedule: '5 * * * *'\ntimeout: 10m\ncommand: ./etl.sh\n"
DAILY = "schedule: '30 2 * * *'\ntimeout: 10m\ncommand: ./etl.sh\n"
DISABLED = DAILY + "disabled: true\n"
ADHOC = "command: ./by-hand.sh\n"


def at(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def manifest(tmp_path: Path, label: str, specs: dict[str, str]) -> dict[str, Any]:
    root = tmp_path / label / "jobs"
    for name, text in specs.items():
        path = root / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    root.mkdir(parents=True, exist_ok=True)
    generate(root, tmp_path / label / "out")
    data: dict[str, Any] = json.loads((tmp_path / label / "out" / "manifest.json").read_text())
    return data


def build(number: int, result: str, started: str, duration: float = 300,
          previous: str | None = None) -> LastBuild:
    return LastBuild(number, result, at(started), duration,
                     f"https://ci/job/etl/{number}/", previous)


def plan(tmp_path: Path, old: dict[str, str], new: dict[str, str], state: JobState,
         previous_at: str | None = None) -> list[Any]:
    # an on-demand job in both trees, unchanged (a tree has at least one spec)
    before = expectations(manifest(tmp_path, "before", {**old, "adhoc": ADHOC}))
    after = expectations(manifest(tmp_path, "after", {**new, "adhoc": ADHOC}))
    planner = Planner(now=at(NOW), next_fire=fire_after("UTC"),
                      previous_at=at(previous_at) if previous_at else None, host="seed-agent")
    return planner.plan(before, after, lambda job: state)


def test_the_manifest_holds_what_the_seed_needs(tmp_path: Path) -> None:
    spec = HOURLY + "alerts: {handlers: [pager], max_duration: 5m}\n"
    entry = manifest(tmp_path, "m", {"etl": spec})["jobs"]["etl"]
    assert (entry["ttl"], entry["run_bound"], entry["schedule"]) == (4870, 1270, "5 * * * *")
    assert (entry["handlers"], entry["max_duration"]) == (["pager"], 300)


CASES = [
    # hourly -> daily; the last build (10:05, ok) is not overdue (11:26): restated, the
    # TTL counted from its start runs to the next daily fire + run bound (02:51:10 tomorrow)
    ("hourly_to_daily", HOURLY, DAILY, JobState(True, build(7, "SUCCESS", "2026-12-01T10:05:00Z")),
     None, RESTATE, 0, "2026-12-02T02:51:10Z"),
    # a failure stays critical through the change
    ("failure_kept", HOURLY, DAILY, JobState(True, build(7, "FAILURE", "2026-12-01T10:05:00Z")),
     None, RESTATE, 2, "2026-12-02T02:51:10Z"),
    # an abort after a failure stays critical too (as the finish step does it)
    ("abort_after_failure", HOURLY, DAILY,
     JobState(True, build(8, "ABORTED", "2026-12-01T10:05:00Z", previous="FAILURE")),
     None, RESTATE, 2, "2026-12-02T02:51:10Z"),
    # same TTL, later time of day: the old TTL would fire at 23:21 today, before the
    # first run under the new schedule (01:30 tomorrow)
    ("phase_later", "schedule: '0 23 * * *'\ntimeout: 10m\ncommand: ./etl.sh\n",
     "schedule: '30 1 * * *'\ntimeout: 10m\ncommand: ./etl.sh\n",
     JobState(True, build(3, "SUCCESS", "2026-11-30T23:00:00Z")),
     None, RESTATE, 0, "2026-12-02T01:51:10Z"),
    # disabled: the last outcome without a TTL
    ("disabled", DAILY, DISABLED, JobState(True, build(5, "SUCCESS", "2026-12-01T02:30:00Z")),
     None, RETIRE, 0, None),
    # a new scheduled job that never ran: expected by its first fire + run bound
    ("new_never_ran", None, DAILY, JobState(True), None, ANNOUNCE, 0, "2026-12-02T02:51:10Z"),
    # overdue under the old schedule (due 09:26:10): the missed-run alert stands
    ("overdue_kept", HOURLY, DAILY, JobState(True, build(6, "SUCCESS", "2026-12-01T08:05:00Z")),
     None, KEEP, None, None),
    # overdue, then disabled: critical, without a TTL, for a person to resolve
    ("overdue_disabled", HOURLY, DISABLED,
     JobState(True, build(6, "SUCCESS", "2026-12-01T08:05:00Z")), None, MISSED, 2, None),
    # a running build is not a missed run: restated, and it reports itself later
    ("overdue_but_running", HOURLY, DAILY,
     JobState(True, build(6, "SUCCESS", "2026-12-01T08:05:00Z"), building=True),
     None, RESTATE, 0, "2026-12-02T02:51:10Z"),
    # announced by the previous seed run (09:00, first fire 02:30 tomorrow), moved to
    # noon before it ever ran: announced again for noon
    ("announced_moved", DAILY, "schedule: '0 12 * * *'\ntimeout: 10m\ncommand: ./etl.sh\n",
     JobState(True), "2026-12-01T09:00:00Z", ANNOUNCE, 0, "2026-12-01T12:21:10Z"),
    # announced yesterday 09:00 for 09:05 and never ran: it stays missed
    ("announced_missed", HOURLY, DAILY, JobState(True), "2026-11-30T09:00:00Z", KEEP, None,
     None),
    # a new job whose first build runs now: that build reports
    ("first_build_running", None, DAILY, JobState(True, building=True), None, KEEP, None, None),
    # enabled again after months: its old outcome, expected again from the next fire
    ("re_enabled", DISABLED, DAILY, JobState(True, build(4, "FAILURE", "2026-08-01T02:30:00Z")),
     None, RESTATE, 2, "2026-12-02T02:51:10Z"),
]


@pytest.mark.parametrize(("case", "old", "new", "state", "previous_at", "action", "status",
                          "deadline"), CASES, ids=[c[0] for c in CASES])
def test_expectation_after_a_seed_run(
    tmp_path: Path, case: str, old: str | None, new: str, state: JobState,
    previous_at: str | None, action: str, status: int | None, deadline: str | None,
) -> None:
    (step,) = plan(tmp_path, {"etl": old} if old else {}, {"etl": new}, state, previous_at)
    assert step.action == action, step.note
    if status is None:
        assert step.check is None
        return
    check = step.check
    assert check is not None
    assert check["name"] == "jobsmith.etl" and check["status"] == status
    assert check["source"] == "jobsmith" and check["host"] == "seed-agent"
    if state.last is not None:  # the last build's own identity: ordered as its result
        assert check["executed"] == int(state.last.started)
        assert check["build"] == state.last.number
        assert check["build_url"] == state.last.url
    else:
        assert (check["executed"], check["build"]) == (int(at(NOW)), 0)
    if deadline is None:
        assert "ttl" not in check
    else:
        # Sensu 1.x raises the TTL event at executed + ttl
        assert check["executed"] + check["ttl"] == at(deadline)
        assert check["ttl_status"] == 2


def test_removed_failing_job_is_retired_and_stays_critical(tmp_path: Path) -> None:
    state = JobState(True, build(9, "FAILURE", "2026-12-01T10:05:00Z"))
    (step,) = plan(tmp_path, {"etl": HOURLY}, {}, state)
    assert step.action == RETIRE and step.check is not None
    assert step.check["status"] == 2 and "ttl" not in step.check


def test_unchanged_jobs_get_nothing(tmp_path: Path) -> None:
    state = JobState(True, build(7, "SUCCESS", "2026-12-01T10:05:00Z"))
    assert plan(tmp_path, {"etl": HOURLY, "other": DAILY}, {"etl": HOURLY, "other": DAILY},
                state) == []


def test_a_job_gone_from_jenkins_that_never_ran_is_left_alone(tmp_path: Path) -> None:
    (step,) = plan(tmp_path, {"etl": DAILY}, {}, JobState(False))
    assert step.action == UNKNOWN and step.check is None


def test_handlers_travel_with_the_restated_result(tmp_path: Path) -> None:
    state = JobState(True, build(7, "SUCCESS", "2026-12-01T10:05:00Z"))
    paged = DAILY + "alerts: {handlers: [pager]}\n"
    (step,) = plan(tmp_path, {"etl": HOURLY}, {"etl": paged}, state)
    # Sensu 1.x copies the stored result, handlers included, into the TTL event
    assert step.action == RESTATE and step.check is not None
    assert step.check["handlers"] == ["pager"]
