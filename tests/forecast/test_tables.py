"""The tables a forecast's simulations share (jobsmith/forecast/tables.py): a simulation
given another's tables is the simulation with its own, and leaves them as they were."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsmith.forecast.core import Simulation
from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.simulate import simulate
from jobsmith.forecast.tables import Tables
from tests.forecast.test_fork import Tree, results, without_on_each
from tests.forecast.test_properties import T0, WINDOW, at_counts, trees


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees(), trees().map(without_on_each)), st.data())
def test_a_simulation_given_the_forecasts_tables_is_one_with_its_own(
        tree: Tree, data: st.DataObject) -> None:
    jobs, kinds = tree
    forecast = simulate(jobs, kinds, T0 + WINDOW, T0)
    tables = forecast.tables
    assert tables is not None
    ticks = {instant: list(fired) for instant, fired in tables.ticks.items()}
    trial = at_counts(kinds, [data.draw(st.integers(0, 3)) for _ in kinds])
    shared = Simulation(jobs, trial, T0 + WINDOW, T0, trace=False, tables=tables)
    own = Simulation(jobs, trial, T0 + WINDOW, T0, trace=False)
    assert (shared.tables is tables) is not tables.on_each  # (with on_each: its own)
    shared.run()
    own.run()
    assert results(shared) == results(own)
    assert tables.ticks == ticks  # each simulation pops the instants from its own copy


def test_tables_serve_only_the_same_jobs_and_kinds_of_agent() -> None:
    branch = Branch("build", "linux", None, 60.0)
    jobs = [JobModel("a", (T0,), ((branch,),)), JobModel("b", (T0, T0 + 60), ((branch,),))]
    kinds = [AgentKind("linux", frozenset({"linux"}), 2)]
    tables = Tables(jobs, kinds)
    assert tables.serve(jobs, [dataclasses.replace(kinds[0], count=7)])  # other counts
    assert not tables.serve(list(jobs), kinds)  # other jobs (a list equal to them or not)
    assert not tables.serve(jobs, [dataclasses.replace(kinds[0], count=-1)])  # unlimited
    assert not tables.serve(jobs, [dataclasses.replace(kinds[0], labels=frozenset({"db"}))])
    assert not tables.serve(jobs, [*kinds, AgentKind("db", frozenset({"db"}), 1)])
    each = [JobModel("c", (T0,), ((Branch("all", None, "linux", 60.0),),))]
    assert not Tables(each, kinds).serve(each, kinds)  # on_each: classes added as it runs


def test_a_tick_starts_a_build_without_an_item_only_where_nothing_else_schedules_it() -> None:
    # `Tables.direct`: a plain job whose first step is one branch; not one that `after`
    # triggers or that ticks twice at one instant (that tick folds into the first one's
    # item), nor one with a lock.
    step = ((Branch("s", "linux", None, 600.0),),)
    jobs = [JobModel("plain", (T0, T0 + 1800), step),
            JobModel("twice", (T0, T0, T0 + 1800), step),
            JobModel("upstream", (T0,), step, downstream=("target",)),
            JobModel("target", (T0 + 1800,), step),
            JobModel("locked", (T0,), step, lock="db")]
    kinds = [AgentKind("linux", frozenset({"linux"}), 2)]
    tables = Tables(jobs, kinds)
    assert dict(zip((job.name for job in tables.models), tables.direct, strict=True)) == {
        "plain": True, "twice": False, "upstream": False, "target": False, "locked": False}
    runs = sorted((run.job, run.due - T0, run.start - T0, run.folded) for run in
                  simulate(jobs, kinds, T0 + WINDOW, T0).runs if run.start is not None)
    assert runs == [  # (two executors: by name at T0, `after` at 600 + QUIET_PERIOD)
        ("locked", 0, 0, 0), ("plain", 0, 0, 0), ("plain", 1800, 1800, 0),
        ("target", 1205, 1205, 0), ("target", 1800, 2400, 0),
        ("twice", 0, 600, 1), ("twice", 1800, 1805, 0), ("upstream", 0, 600, 0)]
