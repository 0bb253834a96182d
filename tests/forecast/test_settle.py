"""The advice's check ended once nobody can wait any more (jobsmith/forecast/settle.py):
where `overflow` says no kind will hold more than it has, the rest of the check never
has a request wait or spill over; where it names an instant, nothing shifts before it;
and a settled check gives the advice the same answer as the whole one."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsmith.forecast.core import Simulation, WaitedTooLong
from jobsmith.forecast.demand import Demand, linked, worked_out
from jobsmith.forecast.fork import first_crowded, fork, prefix
from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.replay import Replay
from jobsmith.forecast.settle import _held, last_crowded, overflow, quiet, settle
from jobsmith.forecast.simulate import ANY_KIND
from tests.forecast.test_fork import Tree, without_on_each
from tests.forecast.test_properties import T0, WINDOW, at_counts, trees, uncoupled

END = T0 + WINDOW


def check_for(tree: Tree, counts: list[int], watch: int = -1, max_wait: float = 0.0
              ) -> tuple[Simulation, Demand, list[Replay], list[AgentKind]]:
    """A check as advice.py makes one: from the common beginning where there is one."""
    jobs, kinds = tree
    found = worked_out(jobs, kinds, END, T0)
    replays = [Replay(requests) for requests in found.served]
    trial = at_counts(kinds, counts)
    until = first_crowded(replays, kinds, counts)
    if until is None:
        return (Simulation(jobs, trial, END, T0, False, watch, max_wait), found, replays,
                trial)
    start = prefix(jobs, trial, END, T0, until, found.busy_since(until))
    return fork(start, trial, watch, max_wait), found, replays, trial


def counts_for(tree: Tree, data: st.DataObject) -> list[int]:
    return [data.draw(st.integers(0, 3)) for _ in tree[1]]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees().map(without_on_each), trees().map(uncoupled)), st.data(),
       st.sampled_from([1, 60, 3600]))
def test_where_nothing_can_overflow_nothing_waits_again(tree: Tree, data: st.DataObject,
                                                       horizon: int) -> None:
    counts = counts_for(tree, data)
    check, found, replays, trial = check_for(tree, counts)
    check.run(T0)
    answers: list[tuple[int, int | None]] = []  # (instant paused before, overflow)
    shifts: list[int] = []  # instants at which a request waited or spilled over
    while check.times:
        if quiet(check):
            answers.append((check.times[0], overflow(check, found, replays, trial, horizon)))
        before = check.last_shift
        check.run(check.times[0] + 1)
        if check.last_shift != before:
            shifts.append(check.last_shift)
    exact = all(job.concurrency != "replace" for job in tree[0])  # (else it overstates)
    unserved = check.unserved_kinds()[0] >= 0
    for paused, answer in answers:
        later = [at for at in shifts if at >= paused]
        if answer is None:
            assert not later and not unserved
        else:
            assert answer >= paused - 1 and all(at >= answer for at in later)
            if exact:
                assert later or unserved


def outcome(run: Any) -> tuple[object, ...]:
    try:
        check = run()
    except WaitedTooLong as short:
        return ("waited", short.args)
    return ("done", check.unserved_kinds())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(trees().map(without_on_each), trees().map(uncoupled)), st.data(),
       st.sampled_from([0.0, 300.0, 1800.0]), st.sampled_from([0, 600]),
       st.sampled_from([1, 1800]))
def test_a_settled_check_answers_as_the_whole_check(tree: Tree, data: st.DataObject,
                                                    max_wait: float, calm: int,
                                                    horizon: int) -> None:
    counts = counts_for(tree, data)

    def whole() -> Simulation:
        check = check_for(tree, counts, ANY_KIND, max_wait)[0]
        check.run()
        return check

    def settled() -> Simulation:
        check, found, replays, trial = check_for(tree, counts, ANY_KIND, max_wait)
        settle(check, found, replays, trial, calm, horizon, share=0.0)
        assert not check.times or quiet(check)
        return check

    assert outcome(settled) == outcome(whole)


def job(name: str, minutes: tuple[int, ...], length: int, *, downstream: tuple[str, ...] = (),
        label: str = "linux") -> JobModel:
    return JobModel(name, tuple(T0 + 60 * m for m in minutes),
                    ((Branch("s", label, None, 60.0 * length),),), downstream=downstream)


def test_overflow_names_the_instant_the_unlimited_continuation_holds_too_much() -> None:
    # One agent. a and b at :00 (20 minutes): b waits until :20, so b is shifted. At
    # :45 nobody waits: from there a fires at :60 and b at :61, and b's build of :00
    # ran 20 minutes late, so at :60 one executor suffices, at :61 two are wanted.
    jobs = [job("a", (0, 60), 20), job("b", (0, 61), 20)]
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    check, found, replays, trial = check_for((jobs, kinds), [1])
    check.run(T0 + 45 * 60)
    assert quiet(check) and {check.models[j].name for j in check.shifted} == {"b"}
    assert overflow(check, found, replays, trial) == T0 + 61 * 60
    assert last_crowded(replays, trial, [1]) == T0 + 61 * 60
    # with two agents the same pause settles: nothing can wait any more
    check, found, replays, trial = check_for((jobs, kinds), [2])
    check.run(T0 + 45 * 60)
    assert overflow(check, found, replays, trial) is None


def test_a_shifted_job_counts_where_it_is_not_where_the_demand_has_it() -> None:
    # One agent. a at :00 and :40 (20 minutes), b at :00 (30 minutes): b waits for a and
    # runs :20-:50. The demand has b at :00-:30, so at :40 it sees one executor held
    # (a); the check holds two: b is still running. overflow must use where b is.
    jobs = [job("a", (0, 40), 20), job("b", (0,), 30)]
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    check, found, replays, trial = check_for((jobs, kinds), [1])
    check.run(T0 + 30 * 60)
    assert quiet(check) and check.busy == [1]
    assert overflow(check, found, replays, trial) == T0 + 40 * 60


def test_a_job_linked_to_a_shifted_one_is_simulated_on_with_it() -> None:
    # One agent. a and b at :00 (20 minutes), b triggering c (10 minutes) when it ends:
    # b waits until :20, so c comes at :40:05, not at :20:05 as in the demand, and meets
    # d, due at :40:05 too (10 minutes: demand :40:05-:50:05). c is simulated on from
    # the pause with b (its component), and found where it is.
    jobs = [job("a", (0,), 20), job("b", (0,), 20, downstream=("c",)), job("c", (), 10),
            JobModel("d", (T0 + 40 * 60 + 60,), ((Branch("s", "linux", None, 600.0),),))]
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    check, found, replays, trial = check_for((jobs, kinds), [1])
    assert linked(check.models, found.coupled) == {"b": "c", "c": "c"}
    check.run(T0 + 30 * 60)
    assert quiet(check)
    assert overflow(check, found, replays, trial) == T0 + 41 * 60
    check, found, replays, trial = check_for((jobs, kinds), [2])
    check.run(T0 + 30 * 60)
    assert overflow(check, found, replays, trial) is None


def test_what_is_held_at_the_pause_and_after() -> None:
    # Requests hold an executor from their start to (not including) their end: at the
    # pause (the instant 100, done) one that ended at 100 holds nothing, one that began
    # at 100 holds one; later changes are kept by instant.
    change: dict[int, int] = {}
    now = _held([(40, 100), (100, 130), (90, 101), (120, 150), (10, 20)], 100, 1, change)
    assert now == 2 and change == {130: -1, 101: -1, 120: 1, 150: -1}
    assert _held([(100, 130)], 100, -1, change) == -1 and change[130] == 0
