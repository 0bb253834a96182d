"""The event-driven simulation agrees with the step-by-step reference on random trees."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsmith.forecast.advice import advice_cap, advise_all
from jobsmith.forecast.analysis import worst_wait
from jobsmith.forecast.core import Simulation
from jobsmith.forecast.demand import demand
from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.simulate import ANY_KIND, fits_within, simulate
from tests.forecast.reference import reference_simulation, step_for

T0 = 1_800_000_000 - 1_800_000_000 % 3600
WINDOW = 3 * 3600
LABELS = [None, "linux", "db", "linux && db", "!db", "gpu", "linux || gpu"]
KIND_LABELS = [frozenset({"linux"}), frozenset({"linux", "db"}), frozenset({"db"})]


@st.composite
def branches(draw: st.DrawFn, index: int) -> Branch:
    fan_out = draw(st.integers(0, 9)) == 0
    label = draw(st.sampled_from(LABELS))
    seconds = draw(st.sampled_from([5, 60, 300, 600, 1200, 2400])) * draw(st.integers(1, 3))
    return Branch(f"s{index}", None if fan_out else label, label or "linux" if fan_out
                  else None, float(seconds))


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[JobModel], list[AgentKind]]:
    count = draw(st.integers(1, 5))
    names = [f"j{i}" for i in range(count)]
    jobs = []
    for i, name in enumerate(names):
        fires = draw(st.lists(st.integers(0, WINDOW // 60 - 1), max_size=8, unique=True))
        steps = tuple(
            tuple(draw(branches(s * 3 + b)) for b in range(draw(st.integers(1, 2))))
            for s in range(draw(st.integers(1, 3))))
        later = names[i + 1:]
        downstream = tuple(sorted(draw(st.sets(st.sampled_from(later), max_size=2)))
                           ) if later else ()
        throttle = draw(st.sampled_from([None, ("category k", 1), ("category k", 2),
                                         (f"job {name}", 1)]))
        jobs.append(JobModel(
            name, tuple(T0 + m * 60 for m in sorted(fires)), steps,
            draw(st.sampled_from(["queue", "queue", "skip", "replace", "parallel"])),
            draw(st.sampled_from([None, None, "a", "b"])), throttle,
            draw(st.integers(1, 5)), downstream,
        ))
    kinds = [AgentKind(" ".join(sorted(labels)), labels, draw(st.integers(0, 3)),
                       draw(st.integers(1, 2)))
             for labels in draw(st.lists(st.sampled_from(KIND_LABELS), min_size=1,
                                         max_size=3, unique=True))]
    return jobs, kinds


def fast(jobs: list[JobModel], kinds: list[AgentKind]) -> list[tuple[object, ...]]:
    outcome = simulate(jobs, kinds, T0 + WINDOW, T0, trace=False)
    return sorted((r.job, r.due, r.start, r.end, r.folded, r.outcome) for r in outcome.runs)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_simulation_matches_the_reference(tree: tuple[list[JobModel], list[AgentKind]]) -> None:
    jobs, kinds = tree
    expected = reference_simulation(jobs, kinds, T0 + WINDOW, T0, step_for(jobs))
    assert fast(jobs, kinds) == expected


def test_the_reference_sees_a_fold() -> None:
    # Guards the comparison: the reference itself folds, waits and skips.
    job = JobModel("a", (T0, T0 + 900, T0 + 1800, T0 + 2700, T0 + 3600),
                   ((Branch("s", None, None, 1200.0),),))
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    runs = reference_simulation([job], kinds, T0 + 7200, T0)
    assert [(run[1], run[2], run[4]) for run in runs] == [
        (T0, T0, 0), (T0 + 900, T0 + 1200, 0), (T0 + 1800, T0 + 2400, 0),
        (T0 + 2700, T0 + 3600, 1)]


def at_counts(kinds: list[AgentKind], counts: list[int]) -> list[AgentKind]:
    return [dataclasses.replace(k, count=c) for k, c in zip(kinds, counts, strict=True)]


def worst(jobs: list[JobModel], kinds: list[AgentKind]) -> list[float]:
    outcome = simulate(jobs, kinds, T0 + WINDOW, T0, trace=False)
    return [worst_wait(outcome, index) for index in range(len(kinds))]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.sampled_from([0.0, 300.0, 1800.0]))
def test_the_advice_probe_stops_early_but_agrees(tree: tuple[list[JobModel], list[AgentKind]],
                                                 max_wait: float) -> None:
    jobs, kinds = tree
    waits = worst(jobs, kinds)
    for index in range(len(kinds)):
        agrees = waits[index] <= max_wait
        assert fits_within(jobs, kinds, T0 + WINDOW, T0, index, max_wait) == agrees
    assert fits_within(jobs, kinds, T0 + WINDOW, T0, ANY_KIND, max_wait) == all(
        wait <= max_wait for wait in waits)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.sampled_from([0.0, 300.0, 1800.0]))
def test_the_advice_is_verified(tree: tuple[list[JobModel], list[AgentKind]],
                                max_wait: float) -> None:
    # With every kind at its advice, no run waits longer than max_wait for any agent.
    jobs, kinds = tree
    given = simulate(jobs, kinds, T0 + WINDOW, T0, trace=False)
    advice = advise_all(jobs, kinds, max_wait, T0 + WINDOW, T0, given)
    counts = [count for count in advice if count is not None]
    if len(counts) < len(advice):  # nothing verified: no figures at all
        assert not counts
    else:
        assert all(wait <= max_wait for wait in worst(jobs, at_counts(kinds, counts)))
        assert all(count <= advice_cap(kind.count) for count, kind in
                   zip(counts, kinds, strict=True))


@st.composite
def open_loop_trees(draw: st.DrawFn) -> tuple[list[JobModel], list[AgentKind]]:
    """Trees where nothing a run asks for depends on an earlier wait: one-step
    `parallel` jobs on one kind of agent, no lock, throttle or `after`."""
    jobs = []
    for i in range(draw(st.integers(1, 6))):
        fires = draw(st.lists(st.integers(0, WINDOW // 60 - 1), max_size=8, unique=True))
        seconds = draw(st.sampled_from([5, 60, 300, 600, 1200, 2400])) * draw(st.integers(1, 3))
        jobs.append(JobModel(f"j{i}", tuple(T0 + m * 60 for m in sorted(fires)),
                             ((Branch("s", draw(st.sampled_from([None, "linux"])), None,
                                      float(seconds)),),),
                             "parallel", priority=draw(st.integers(1, 5))))
    kinds = [AgentKind("linux", frozenset({"linux"}), draw(st.integers(0, 3)),
                       draw(st.integers(1, 2)))]
    return jobs, kinds


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(open_loop_trees(), st.sampled_from([0.0, 300.0, 1800.0]))
def test_the_advice_is_the_smallest_where_the_replay_is_exact(
        tree: tuple[list[JobModel], list[AgentKind]], max_wait: float) -> None:
    # Here the replay of the demand is the queue itself, so the advice is the smallest
    # count at which no run waits too long, as full simulations find it.
    jobs, kinds = tree
    given = simulate(jobs, kinds, T0 + WINDOW, T0, trace=False)
    [advice] = advise_all(jobs, kinds, max_wait, T0 + WINDOW, T0, given)
    assert advice is not None
    assert worst(jobs, at_counts(kinds, [advice]))[0] <= max_wait
    if advice > 0:
        assert worst(jobs, at_counts(kinds, [advice - 1]))[0] > max_wait


def uncoupled(tree: tuple[list[JobModel], list[AgentKind]]) -> tuple[list[JobModel],
                                                                     list[AgentKind]]:
    """The same tree without locks, throttles, `after` and `on_each`."""
    jobs, kinds = tree
    return [dataclasses.replace(job, lock=None, throttle=None, downstream=(), steps=tuple(
        tuple(dataclasses.replace(b, label=b.label or b.on_each, on_each=None) for b in step)
        for step in job.steps)) for job in jobs], kinds


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees(), trees().map(uncoupled)))
def test_the_demand_worked_out_directly_is_what_the_simulation_serves(
        tree: tuple[list[JobModel], list[AgentKind]]) -> None:
    # demand.py works the jobs that share nothing out from their ticks alone; with
    # every kind unlimited the simulation of all jobs serves the same requests.
    jobs, kinds = tree
    simulation = Simulation(jobs, kinds, T0 + WINDOW, T0, trace=False, demand=True)
    simulation.run()
    assert simulation.served is not None
    worked_out = demand(jobs, kinds, T0 + WINDOW, T0)
    for simulated, direct in zip(simulation.served, worked_out, strict=True):
        assert sorted((at, seconds) for at, _, seconds, _ in simulated) == sorted(
            (at, seconds) for at, _, seconds, _ in direct)
        assert direct == sorted(direct)  # in the tuples' order (sorted field by field)


def test_the_demand_of_a_queue_job_whose_build_ends_as_it_fires():
    # A tick at the second the running build ends folds into the item it kept waiting,
    # which then starts: two builds (0-10, 10-20), not three.
    job = JobModel("a", (T0, T0 + 300, T0 + 600), ((Branch("s", None, None, 600.0),),))
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    [served] = demand([job], kinds, T0 + WINDOW, T0)
    assert [(at - T0, seconds) for at, _, seconds, _ in served] == [(0, 600), (600, 600)]
