"""The advice's replay (jobsmith/forecast/replay.py) against a straightforward one."""

from __future__ import annotations

import heapq

from hypothesis import given, settings
from hypothesis import strategies as st

from jobsmith.forecast.replay import Replay, Request, held


def straight_replay(requests: list[Request], slots: int, max_wait: float) -> bool:
    """The replay from the first request to the last, without the jumps over what the
    demand covers: whether `slots` executors serve `requests` (sorted) so that no run's
    waits add up to more than `max_wait`."""
    if not requests:
        return True
    if slots <= 0:
        return False
    push, pop = heapq.heappush, heapq.heappop
    ends: list[int] = []
    waiting: list[tuple[int, Request]] = []
    waited: dict[int, int] = {}
    free, at, count = slots, 0, len(requests)

    def serve(now: int) -> bool:
        nonlocal free
        while free and waiting:
            entered, _, seconds, run = pop(waiting)[1]
            if now > entered:
                total = waited[run] = waited.get(run, 0) + now - entered
                if total > max_wait:
                    return False
            push(ends, now + seconds)
            free -= 1
        return True

    while at < count:
        now = requests[at][0]
        while waiting and ends and ends[0] < now:  # executors free up before `now`
            moment = ends[0]
            while ends and ends[0] == moment:
                pop(ends)
                free += 1
            if not serve(moment):
                return False
        while ends and ends[0] <= now:
            pop(ends)
            free += 1
        if free and not waiting:  # the common case: served as it comes
            push(ends, now + requests[at][2])
            free -= 1
            at += 1
            continue
        while at < count and requests[at][0] == now:
            push(waiting, (requests[at][1], requests[at]))
            at += 1
        if not serve(now):
            return False
    while waiting:
        moment = ends[0]
        while ends and ends[0] == moment:
            pop(ends)
            free += 1
        if not serve(moment):
            return False
    return True


@st.composite
def demands(draw: st.DrawFn) -> list[Request]:
    requests = []
    for number in range(draw(st.integers(0, 40))):
        entered = draw(st.integers(0, 30)) * draw(st.sampled_from([5, 60]))
        priority = draw(st.integers(1, 3))
        requests.append((entered, (priority << 40) + (entered << 20) + number,
                         draw(st.sampled_from([5, 60, 300, 600, 1200])),
                         draw(st.integers(0, 12))))  # runs with several requests
    return sorted(requests)


@settings(max_examples=500, deadline=None)
@given(demands(), st.integers(0, 6), st.sampled_from([0, 60, 300, 900]))
def test_the_replay_agrees_with_the_straightforward_one(requests: list[Request], slots: int,
                                                         max_wait: int) -> None:
    assert Replay(requests).fits(slots, max_wait) == straight_replay(requests, slots, max_wait)


@settings(max_examples=300, deadline=None)
@given(demands(), st.lists(st.integers(0, 6), max_size=6), st.sampled_from([0, 60, 300]))
def test_one_replay_asked_in_turn_as_a_bisection_does_answers_as_fresh_ones(
        requests: list[Request], asked: list[int], max_wait: int) -> None:
    # The crowded requests for some slots are picked from those of fewer slots.
    replay = Replay(requests)
    for slots in asked:
        assert replay.crowded(slots) == [i for i, value in enumerate(held(requests))
                                         if value > slots]
        assert replay.fits(slots, max_wait) == Replay(requests).fits(slots, max_wait)


def test_the_replay_sees_a_late_wait_after_a_calm_stretch():
    # Two crowded moments apart: the replay jumps from the first to the second.
    first = [(0, i, 600, i) for i in range(3)]
    second = [(7200, 10 + i, 600, 10 + i) for i in range(3)]
    replay = Replay(first + second)
    assert replay.fits(3, 0) and not replay.fits(2, 599) and replay.fits(2, 600)


def test_the_replay_does_not_catch_up_while_a_late_request_runs():
    # Two executors. At 0 three requests come; the third waits until 600 and runs late,
    # to 1200. At 700 a request finds an executor at once, and at 710 the next one
    # (of the third's run) waits for the third, until 1200: the run waits 1090 s in
    # all. In the demand neither of the last two is crowded.
    requests = [(0, 1, 600, 1), (0, 2, 600, 2), (0, 3, 600, 3), (700, 4, 1000, 4),
                (710, 5, 5, 3)]
    assert not straight_replay(requests, 2, 1089)
    assert not Replay(requests).fits(2, 1089)
    assert Replay(requests).fits(2, 1090) and straight_replay(requests, 2, 1090)


@settings(max_examples=200, deadline=None)
@given(demands())
def test_what_the_demand_holds_at_each_request(requests: list[Request]) -> None:
    ends: list[int] = []
    expected = []
    for entered, _, seconds, _ in requests:
        ends = [end for end in ends if end > entered] + [entered + seconds]
        expected.append(len(ends))
    assert held(requests) == expected
