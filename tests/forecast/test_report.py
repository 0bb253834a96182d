"""A job's figures in the table and the warnings (records.py's `job_figures`: one pass
over the job's runs, their lateness and waits worked out inline) against the runs' own
properties."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsmith.cron.plan import SchedulePlan
from jobsmith.forecast.analysis import warnings_for
from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.records import NO_RUNS, Run, job_figures
from jobsmith.forecast.simulate import simulate
from tests.forecast.test_fork import Tree
from tests.forecast.test_properties import T0, WINDOW, trees


def straight(runs: list[Run]) -> tuple[object, ...]:
    shown = [run for run in runs if run.outcome not in ("skipped", "stuck")]
    waits = [run.wait_s for run in runs if run.outcome != "skipped"]
    known = [wait for wait in waits if wait is not None]
    late = [run for run in runs if run.late]
    return (len(shown), sum(run.folded for run in runs),
            sum(run.outcome in ("skipped", "replaced") for run in runs),
            max([0.0, *known]) if len(known) == len(waits) else None,
            len(late), late[0].due if late else None,
            [run.start for run in shown if run.start is not None])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.data())
def test_a_jobs_figures_are_what_its_runs_say(tree: Tree, data: st.DataObject) -> None:
    jobs, kinds = tree
    jobs = [dataclasses.replace(job, max_duration=data.draw(st.sampled_from(
        [None, 60.0, 300.0, 600.0, 1200.0, 3600.0]))) for job in jobs]
    outcome = simulate(jobs, kinds, T0 + WINDOW, T0)
    for job in jobs:
        runs = outcome.by_job.get(job.name, [])
        assert tuple(job_figures(job, runs)) == straight(runs)
        assert outcome.figures.get(job.name, NO_RUNS) == job_figures(job, runs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_a_build_failed_by_an_on_each_stage_is_warned_of(tree: Tree) -> None:
    # (the warnings look for failed builds only where a job has an `on_each` stage,
    # the one way a build fails)
    jobs, kinds = tree
    outcome = simulate(jobs, kinds, T0 + WINDOW, T0)
    plan = SchedulePlan(T0 // 60, (T0 + WINDOW) // 60, "UTC", (), ())
    warned = [w.job for w in warnings_for(jobs, outcome, plan)
              if w.kind == "never-starts" and "on_each" in w.message]
    assert warned == sorted({run.job for run in outcome.runs if run.outcome == "failed"})


def test_an_on_each_stage_with_no_agent_fails_the_build_and_says_so() -> None:
    job = JobModel("fan", (T0,), ((Branch("s", None, "gpu", 60.0),),))
    kinds = [AgentKind("linux", frozenset({"linux"}), 2)]
    outcome = simulate([job], kinds, T0 + WINDOW, T0)
    plan = SchedulePlan(T0 // 60, (T0 + WINDOW) // 60, "UTC", (), ())
    assert [run.outcome for run in outcome.runs] == ["failed"]
    assert [(w.kind, w.job) for w in warnings_for([job], outcome, plan)] == [
        ("never-starts", "fan")]
