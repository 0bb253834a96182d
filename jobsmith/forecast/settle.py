"""The advice's check, ended as soon as no request can wait any more (advice.py).

A check (fork.py) is the queue with every kind at its advised count, run until a run
waits too long or the window's builds are all done. After the demand's last crowded
instant (demand.py: every kind unlimited; it never again holds more executors of a kind
than the counts give) the rest of a check is mostly known without simulating it:

- A job that shares nothing with others (no lock, throttle or `after`: its builds are
  worked out directly in the demand) none of whose requests waited or took a kind other
  than its first is, at every instant, where the unlimited simulation has it: each of
  its requests came when the demand has it and held its first kind as long. As long as
  nobody waits, it goes on as the demand says.
- The others (the jobs simulated together in the demand, and those "shifted": one of
  their requests waited or spilled over) are simulated on from the check's state with
  every kind unlimited (`branch`): what they ask for when nobody waits.

At an instant at which no request is waiting, if what those two hold together never
exceeds a kind's executors from there on, then nobody ever waits again: at each later
instant every request finds an executor of its first kind free (so the check *is* that
continuation, instant by instant), no run's waits grow, and the check passes. The
demand and the branch only overstate what is held (a step cut short by `replace`
counts whole), so the answer is never wrong, at worst "not settled yet": then the check
simply goes on. `settle` tries at the first quiet instant after the demand's last
crowded one and, if it does not settle, again after the instant at which the
continuation would have held too much.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from operator import itemgetter

from jobsmith.forecast.agents import UNLIMITED, Minutes
from jobsmith.forecast.core import Simulation
from jobsmith.forecast.demand import Demand
from jobsmith.forecast.fork import Copies
from jobsmith.forecast.model import AgentKind
from jobsmith.forecast.records import Run
from jobsmith.forecast.replay import Replay

ATTEMPTS = 4  # tries to settle a check, at most
STEPS = 2_000  # instants stepped through looking for a quiet one, at most per try
HORIZON = 1800  # seconds: how far a try first looks
CALM = 900  # seconds without a request waiting before a try
SHARE = 0.125  # of the window that must be left for a try (else the check just goes on)


def last_crowded(replays: list[Replay], kinds: list[AgentKind],
                 counts: list[int]) -> int | None:
    """The last instant at which the demand holds more executors of a kind than `counts`
    give it (None: never)."""
    found = [replay.last_crowded(count * kind.executors)
             for replay, kind, count in zip(replays, kinds, counts, strict=True)]
    return max((instant for instant in found if instant is not None), default=None)


def quiet(simulation: Simulation) -> bool:
    """Paused between instants with no request waiting for an executor."""
    return not simulation.fresh and not any(
        not entry.done for cls in simulation.active for _, entry in simulation.queues[cls])


def branch(simulation: Simulation, keep: set[int]) -> Simulation:
    """A copy of a paused, quiet simulation with only the jobs `keep` (their items, builds,
    ticks, locks and throttles), every kind unlimited, recording what each kind serves
    (`served`, as the demand's simulation)."""
    old = simulation
    new: Simulation = object.__new__(Simulation)
    new.__dict__.update(old.__dict__)  # what never changes after __init__ is shared
    copies = Copies()
    kinds = len(old.kinds)
    new.served = [[] for _ in range(kinds)]
    new.free = [UNLIMITED] * kinds
    new.busy, new.peak = list(old.busy), list(old.peak)
    new.unlimited_pins = True
    new.ticks = {}
    for at, jobs in old.ticks.items():
        kept = [j for j in jobs if j in keep]
        if kept:
            new.ticks[at] = kept
    new.events = {}
    for at, happening in old.events.items():
        entries = [copies.entry(what) for what in happening if (
            what if type(what) is int else what.j if type(what) is Run else what.run.j) in keep]
        if entries:
            new.events[at] = entries
    new.times = sorted(new.ticks.keys() | new.events.keys())
    new.running = list(old.running)
    new.latest = [None if run is None or run.j not in keep else copies.run(run)
                  for run in old.latest]
    new.order = list(old.order)
    new.items = {j: [*item[:4], None if item[4] is None else list(item[4])]
                 for j, item in old.items.items() if j in keep}
    new.candidates = set()
    new.throttled = list(old.throttled)
    new.blocked = [{j for j in jobs if j in keep} for jobs in old.blocked]
    new.holder = [None if run is None else copies.run(run) for run in old.holder]
    new.waiters = [[(at, seq, copies.run(run)) for at, seq, run in waiting]
                   for waiting in old.waiters]
    new.queues = [[] for _ in old.queues]  # (quiet: what is left in them is void)
    new.waiting_in = [0] * len(old.waiting_in)
    new.active = set()
    new.fresh = []
    new.asked = [0] * kinds
    new.runs = list(old.runs)  # (only their number counts)
    new.stuck = dict(old.stuck)
    new.shifted = set()
    new.watch, new.max_wait = -1, 0.0
    new.minutes = Minutes(kinds, 1)
    new.waiting_minutes = Minutes(kinds, 1)
    new.demand = [[0] for _ in range(kinds)]
    new.delayed = [[0] for _ in range(kinds)]
    return new


def _held(entries: Iterable[tuple[int, int]], after: int, sign: int,
          change: dict[int, int]) -> int:
    """Requests (start, end) that hold an executor from start to end: `sign` times how
    many hold one at the instant `after`; what changes later goes into `change`."""
    now = 0
    for start, end in entries:
        if end <= after:
            continue
        if start <= after:
            now += sign
        else:
            change[start] = change.get(start, 0) + sign
        change[end] = change.get(end, 0) - sign
    return now


def _first_over(change: dict[int, int], level: int, capacity: int, low: int,
                high: float) -> tuple[int | None, int]:
    """Adding `change` at its instants in [low, high) to `level`: the first instant at
    which it exceeds `capacity` (or None), and the level at the end."""
    for moment in sorted(at for at in change if low <= at < high):
        level += change[moment]
        if level > capacity:
            return moment, level
    return None, level


def overflow(check: Simulation, demand: Demand, replays: list[Replay],
             kinds: list[AgentKind], horizon: int = HORIZON) -> int | None:
    """For a paused, quiet check: None when, with nobody waiting from now on, no kind
    ever holds more executors than `kinds` give it (so nobody ever waits again); else
    the first instant at which one would."""
    if not check.times:
        return None  # (nothing left to happen)
    after = check.times[0] - 1  # (every instant up to it is done)
    models = check.models
    component = demand.component
    plain = [j for j in check.shifted if models[j].name not in component]
    moved = {component[models[j].name] for j in check.shifted if models[j].name in component}
    keep = {j for j, job in enumerate(models) if component.get(job.name, "") in moved}
    keep.update(plain)
    owner = demand.simulated_jobs
    ordered = [sorted(requests) for requests in demand.simulated]  # (by entry)
    longest = [max(map(itemgetter(2), requests), default=0) for requests in ordered]
    changes: list[dict[int, int]] = [{} for _ in kinds]
    levels = [0] * len(kinds)
    for kind, replay in enumerate(replays):
        change = changes[kind]
        # the demand: requests come at `firsts` (`counts` of them) and end at `ends`
        at = bisect.bisect_right(replay.starts, after)
        ended = bisect.bisect_right(replay.ends, (after, UNLIMITED))
        levels[kind] = at - sum(count for _, count in replay.ends[:ended])
        starts, counts, firsts = replay.starts, replay.counts, replay.firsts
        for i in range(bisect.bisect_left(firsts, at), len(firsts)):
            moment = starts[firsts[i]]
            change[moment] = change.get(moment, 0) + counts[i]
        for moment, count in replay.ends[ended:]:
            change[moment] = change.get(moment, 0) - count
        # less what the demand has of the jobs simulated on here
        simulated = ordered[kind]
        since = bisect.bisect_left(simulated, (after - longest[kind],))
        levels[kind] += _held(((entered, entered + seconds) for entered, _, seconds, run in
                               simulated[since:] if component[owner[run]] in moved),
                              after, -1, change)
    for j in plain:
        for kind, requests in enumerate(demand.requests_of(models[j])):
            levels[kind] += _held(((entered, entered + seconds) for entered, _, seconds, _
                                   in requests), after, -1, changes[kind])
    held: list[list[tuple[int, int]]] = [[] for _ in kinds]  # what `keep` holds now
    for at, happening in check.events.items():
        for what in happening:
            if type(what) is int or what.done or what.kind < 0:
                continue
            if (what.j if type(what) is Run else what.run.j) in keep:
                held[what.kind].append((what.entered, at))
    for kind, entries in enumerate(held):
        levels[kind] += _held(entries, after, 1, changes[kind])
    if any(level > kind.capacity for level, kind in zip(levels, kinds, strict=True)):
        return after
    # plus what they ask for from now on: first the next half hour (where a try that
    # does not settle usually finds the instant), then the rest
    rest = branch(check, keep)
    assert rest.served is not None
    low: int = after + 1
    first: int | None = None
    for high in (after + horizon, math.inf):
        rest.run(None if high == math.inf else int(high))
        for kind, requests in enumerate(rest.served):
            _held(((entered, entered + seconds) for entered, _, seconds, _ in requests),
                  after, 1, changes[kind])
            requests.clear()
        for kind, change in enumerate(changes):
            found, levels[kind] = _first_over(change, levels[kind], kinds[kind].capacity,
                                              low, high)
            if found is not None and (first is None or found < first):
                first = found
        if first is not None:
            return first
        low = int(high) if high != math.inf else low
    return None


def settle(check: Simulation, demand: Demand, replays: list[Replay],
           kinds: list[AgentKind], calm: int = CALM, horizon: int = HORIZON,
           share: float = SHARE) -> None:
    """Run a check (it raises WaitedTooLong at the first run that waits too long) to the
    end, or until no request can wait any more: then nothing is waiting in its queues
    and nothing would be later (`unserved_kinds` has its final answer).

    It tries once the demand no longer crowds a kind and the check has been calm for a
    while (no request waited or spilled over for `calm` seconds) at an instant with
    nobody waiting, and after a try that does not settle, again past the instant it
    found, as long as at least `share` of the window is left (when to try only decides
    what it costs, never the answer)."""
    crowded = last_crowded(replays, kinds, [kind.count for kind in kinds])
    at = check.origin if crowded is None else crowded + 1
    tries = 0
    last = check.window_end - (check.window_end - check.origin) * share
    while tries < ATTEMPTS:
        check.run(at)
        if not check.times:
            return
        if check.times[0] > last:
            break
        later = check.last_shift + calm
        if check.times[0] <= later:
            at = later + 1
            continue
        for _ in range(STEPS):
            if not check.times or quiet(check):
                break
            check.run(check.times[0] + 1)
        else:
            break
        if not check.times:
            return
        if check.times[0] <= check.last_shift + calm:
            continue  # (a request waited meanwhile)
        tries += 1
        found = overflow(check, demand, replays, kinds, horizon)
        if found is None:
            return
        at = found + 1
    check.run()
