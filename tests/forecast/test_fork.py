"""The advice's checks resumed from their common beginning (jobsmith/forecast/fork.py):
the same simulation as one from the start of the window, by construction (nothing
depends on the counts before the demand first crowds a kind), tested here."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsmith.forecast.advice import advise_all
from jobsmith.forecast.core import Simulation
from jobsmith.forecast.demand import demand, worked_out
from jobsmith.forecast.fork import can_resume, first_crowded, fork, prefix
from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.replay import Replay
from jobsmith.forecast.simulate import ANY_KIND, simulate
from tests.forecast.test_properties import T0, WINDOW, at_counts, trees, uncoupled

Tree = tuple[list[JobModel], list[AgentKind]]


def without_on_each(tree: Tree) -> Tree:
    """The same tree (locks, throttles, `after` kept) with each `on_each` stage on its
    label instead: agents are then never told apart."""
    jobs, kinds = tree
    return [dataclasses.replace(job, steps=tuple(
        tuple(dataclasses.replace(b, label=b.label or b.on_each, on_each=None) for b in step)
        for step in job.steps)) for job in jobs], kinds


def results(simulation: Simulation, since: dict[str, int] | None = None) -> tuple[object, ...]:
    """What a simulation found; with `since`, only the builds of each job started from
    that instant on."""
    runs = sorted((r.job, r.due, r.start, r.end, r.folded, r.outcome, r.step,
                   sorted(r.waits.items())) for r in simulation.runs
                  if since is None or r.created >= since.get(r.job, T0))
    items = sorted((j, item[:4], item[4]) for j, item in simulation.items.items())
    return runs, items, simulation.unserved_kinds(), simulation.busy, simulation.stuck


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees().map(without_on_each), st.data())
def test_a_check_resumed_where_counts_first_matter_is_the_whole_simulation(
        tree: Tree, data: st.DataObject) -> None:
    jobs, kinds = tree
    counts = [data.draw(st.integers(0, 3)) for _ in kinds]
    replays = [Replay(requests) for requests in demand(jobs, kinds, T0 + WINDOW, T0)]
    until = first_crowded(replays, kinds, counts)
    if until is None:
        until = T0 + WINDOW  # never crowded: the prefix is the whole window
    start = prefix(jobs, at_counts(kinds, counts), T0 + WINDOW, T0, until)
    before = results(start), start.times, sorted(start.events), start.free
    for _ in range(2):  # a fork leaves the beginning as it was
        more = [count + data.draw(st.integers(0, 2)) for count in counts]
        resumed = fork(start, at_counts(kinds, more), -1, 0.0)
        resumed.run()
        whole = Simulation(jobs, at_counts(kinds, more), T0 + WINDOW, T0, trace=False)
        whole.run()
        assert results(resumed) == results(whole)
    assert (results(start), start.times, sorted(start.events), start.free) == before


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees().map(without_on_each), trees().map(uncoupled)), st.data())
def test_a_beginning_without_the_builds_that_ended_before_it_resumes_the_same(
        tree: Tree, data: st.DataObject) -> None:
    # Jobs that share nothing and ran no build just before the beginning's end (or
    # only the builds of their last stretch) are left out of it up to there.
    jobs, kinds = tree
    counts = [data.draw(st.integers(0, 3)) for _ in kinds]
    found = worked_out(jobs, kinds, T0 + WINDOW, T0)
    until = first_crowded([Replay(requests) for requests in found.served], kinds, counts)
    if until is None:
        until = T0 + WINDOW
    since = found.busy_since(until)
    start = prefix(jobs, at_counts(kinds, counts), T0 + WINDOW, T0, until, since)
    for _ in range(2):
        more = [count + data.draw(st.integers(0, 2)) for count in counts]
        resumed = fork(start, at_counts(kinds, more), -1, 0.0)
        resumed.run()
        whole = Simulation(jobs, at_counts(kinds, more), T0 + WINDOW, T0, trace=False)
        whole.run()
        assert results(resumed) == results(whole, since)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees().map(without_on_each), trees().map(uncoupled)))
def test_the_builds_worked_out_directly_are_the_unlimited_simulation_s(tree: Tree) -> None:
    jobs, kinds = tree
    found = worked_out(jobs, kinds, T0 + WINDOW, T0)
    unlimited = Simulation(jobs, kinds, T0 + WINDOW, T0, trace=False, demand=True)
    unlimited.run()
    for name, builds in found.builds.items():
        assert name not in found.coupled
        assert builds == [(r.created, r.end) for r in unlimited.runs
                          if r.job == name and r.outcome != "skipped"]


def test_a_job_is_busy_since_its_last_stretch_of_builds_began() -> None:
    # a: 20-minute builds at :00 and :30 (idle between); b: every 15 minutes, 20 minutes
    # long, so its builds follow each other from :00 on; c: one build ending at :50.
    def job(name: str, fires: tuple[int, ...], minutes: int) -> JobModel:
        return JobModel(name, tuple(T0 + 60 * m for m in fires),
                        ((Branch("s", "linux", None, 60.0 * minutes),),))
    jobs = [job("a", (0, 30), 20), job("b", (0, 15, 30, 45), 20), job("c", (10,), 40)]
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    found = worked_out(jobs, kinds, T0 + WINDOW, T0)
    assert found.builds["b"] == [(T0 + 60 * m, T0 + 60 * (m + 20)) for m in (0, 20, 40, 60)]
    at = {m: found.busy_since(T0 + 60 * m) for m in (25, 40, 50, 51)}
    assert at[25] == {"a": T0 + 1500, "b": T0, "c": T0 + 600}  # a idle at :25
    assert at[40] == {"a": T0 + 1800, "b": T0, "c": T0 + 600}
    assert at[50] == {"a": T0 + 1800, "b": T0, "c": T0 + 600}  # (a build ending at :50)
    assert at[51] == {"a": T0 + 3060, "b": T0, "c": T0 + 3060}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees().map(without_on_each), trees().map(uncoupled)),
       st.sampled_from([0.0, 300.0, 1800.0]))
def test_the_advice_with_resumed_checks_is_the_advice_with_whole_ones(
        tree: Tree, max_wait: float) -> None:
    jobs, kinds = tree
    assert can_resume(jobs)
    given_ = simulate(jobs, kinds, T0 + WINDOW, T0, trace=False)
    assert advise_all(jobs, kinds, max_wait, T0 + WINDOW, T0, given_) == advise_all(
        jobs, kinds, max_wait, T0 + WINDOW, T0, given_, resume=False)


def test_the_beginning_ends_where_the_demand_first_crowds_a_kind() -> None:
    # Two jobs at :00 and one at :10 on one kind of one agent: the demand holds two
    # executors at :00, so a check with one agent has nothing in common with the
    # unlimited simulation from :00 on, with two from :10 on (three held), and with
    # three never.
    job = [JobModel(f"j{i}", (T0 + at,), ((Branch("s", "linux", None, 1200.0),),))
           for i, at in enumerate((0, 0, 600))]
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    replays = [Replay(requests) for requests in demand(job, kinds, T0 + WINDOW, T0)]
    assert first_crowded(replays, kinds, [1]) == T0
    assert first_crowded(replays, kinds, [2]) == T0 + 600
    assert first_crowded(replays, kinds, [3]) is None
    start = prefix(job, at_counts(kinds, [2]), T0 + WINDOW, T0, T0 + 600)
    assert len(start.runs) == 2 and start.busy == [2] and start.times == [T0 + 600, T0 + 1200]
    check = fork(start, at_counts(kinds, [3]), ANY_KIND, 0.0)
    check.run()  # three agents: nobody waits
    assert [(r.start, r.end) for r in check.runs] == [(T0, T0 + 1200), (T0, T0 + 1200),
                                                      (T0 + 600, T0 + 1800)]
    assert start.runs[0].end is None  # the beginning is left as it was


def test_jobs_linked_together_are_busy_since_their_component_s_last_stretch() -> None:
    # a (10 minutes at :00 and :30) triggers b (5 minutes): a and b are one component,
    # busy :00-:15:05 (from QUIET before a's tick) and :30-:45:05; c waits for a label no
    # agent carries, so its build never ends and all of its ticks count.
    jobs = [JobModel("a", (T0, T0 + 1800), ((Branch("s", "linux", None, 600.0),),),
                     downstream=("b",)),
            JobModel("b", (), ((Branch("s", "linux", None, 300.0),),)),
            JobModel("c", (T0,), ((Branch("s", "gpu", None, 60.0),),))]
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    found = worked_out(jobs, kinds, T0 + WINDOW, T0)
    assert found.coupled == {"a", "b", "c"} and found.component["a"] == found.component["b"]
    assert found.stretches[found.component["a"]] == [(T0 - 5, T0 + 905),
                                                      (T0 + 1795, T0 + 2705)]
    since = {at: found.busy_since(at) for at in (T0 + 905, T0 + 906, T0 + 2000, T0 + 2705,
                                                 T0 + 2706)}
    assert [since[at]["a"] for at in sorted(since)] == [
        T0 - 5, T0 + 906, T0 + 1795, T0 + 1795, T0 + 2706]
    assert all(since[at]["a"] == since[at]["b"] and "c" not in since[at] for at in since)
