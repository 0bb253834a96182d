"""Items blocked by a throttle, tried again when a place frees (core.py `finish`): with
one max_total for all the throttle's jobs, only as many as can start are tried, which
must start the same builds as trying them all (the reference tries every item)."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobsmith.forecast.model import AgentKind, Branch, JobModel
from tests.forecast.reference import reference_simulation, step_for
from tests.forecast.test_properties import T0, WINDOW, fast, trees

Tree = tuple[list[JobModel], list[AgentKind]]


@st.composite
def one_throttle(draw: st.DrawFn) -> Tree:
    """A tree whose throttled jobs all share one category and one max_total."""
    jobs, kinds = draw(trees())
    limit = draw(st.integers(1, 2))
    more = draw(st.lists(st.booleans(), min_size=len(jobs), max_size=len(jobs)))
    return [dataclasses.replace(job, throttle=("category k", limit)
                                if job.throttle is not None or extra else None)
            for job, extra in zip(jobs, more, strict=True)], kinds


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_throttle())
def test_items_blocked_by_one_throttle_start_as_the_reference_starts_them(tree: Tree) -> None:
    jobs, kinds = tree
    assert fast(jobs, kinds) == reference_simulation(jobs, kinds, T0 + WINDOW, T0,
                                                     step_for(jobs))


def test_a_skipped_build_takes_no_place_of_the_throttle() -> None:
    # `skip` jobs a and b (max_total 2 together) at :00 and :01 on one agent: a's three
    # 5-second stages and b's minute queue for it, so at :01 both are still running and
    # both ticks wait for the throttle. When b's build ends (one place free), a's item is
    # tried first and ends at once as skipped, taking no place: b's item must be tried
    # too, and start.
    a = JobModel("a", (T0, T0 + 60), tuple((Branch(f"s{i}", "linux", None, 5.0),)
                                           for i in range(3)), "skip",
                 throttle=("category k", 2), priority=1)
    b = JobModel("b", (T0, T0 + 60), ((Branch("s", "linux", None, 60.0),),), "skip",
                 throttle=("category k", 2), priority=1)
    kinds = [AgentKind("linux", frozenset({"linux"}), 1)]
    runs = fast([a, b], kinds)
    assert runs == reference_simulation([a, b], kinds, T0 + WINDOW, T0, step_for([a, b]))
    assert [(job, due, outcome) for job, due, _, _, _, outcome in runs] == [
        ("a", T0, "ran"), ("a", T0 + 60, "skipped"), ("b", T0, "ran"),
        ("b", T0 + 60, "ran")]


def test_a_replacing_build_frees_the_place_it_takes() -> None:
    # Throttle max_total 2 for all, ten agents. z runs :00-:10 and r (replace) from :01;
    # r's tick at :02, q1's at :03, q2's at :04 wait for the throttle. When z ends at
    # :10 (one place), r's item starts first and aborts r's running build, freeing its
    # place, so q1, next in the queue, starts at :10 too, before n's fresh tick.
    def job(name: str, minute: int, length: int, policy: str = "queue",
            again: tuple[int, ...] = ()) -> JobModel:
        return JobModel(name, tuple(T0 + 60 * m for m in (minute, *again)),
                        ((Branch("s", "linux", None, 60.0 * length),),), policy,
                        throttle=("category k", 2))
    jobs = [job("z", 0, 10), job("r", 1, 30, "replace", (2,)), job("q1", 3, 5),
            job("q2", 4, 5), job("n", 10, 5)]
    kinds = [AgentKind("linux", frozenset({"linux"}), 10)]
    runs = fast(jobs, kinds)
    assert runs == reference_simulation(jobs, kinds, T0 + WINDOW, T0, step_for(jobs))
    assert ("q1", T0 + 180, T0 + 600, T0 + 900, 0, "ran") in runs
