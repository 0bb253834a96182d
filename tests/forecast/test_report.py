"""A job's figures in the table and the warnings (records.py's `job_figures`: one pass
over the job's runs, their lateness and waits worked out inline) against the runs' own
properties."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
