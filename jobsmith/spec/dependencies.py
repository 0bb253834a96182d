"""Checks that need the whole tree: `after` names real jobs without cycles, and jobs
that share a throttle category agree on its limits.

Pure functions over small records, so that `load_tree` and the worker processes of
`generate` (which only send records back) run the same checks.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from jobsmith.errors import Location, Problem


@dataclass(frozen=True)
class TreeLinks:
    """What one job says about others."""

    full_name: str
    after: tuple[tuple[str, Location], ...] = ()
    # (category, max_total, max_per_node, where `throttle` is written)
    category: tuple[str, int | None, int | None, Location] | None = None


def check_links(jobs: list[TreeLinks], known: Iterable[str] = (),
                unchecked: Iterable[TreeLinks] = ()) -> list[Problem]:
    """Every problem of `after` and throttle categories across `jobs`. `known` names
    more jobs that exist, and `unchecked` holds the `after` entries of those jobs: their
    files have problems of their own, yet their `after` names are checked too."""
    by_name = {job.full_name: job for job in jobs}
    exists = set(by_name) | set(known)
    problems = []
    edges: dict[str, list[tuple[str, Location]]] = {}
    for job in sorted([*jobs, *unchecked], key=lambda j: j.full_name):
        for name, where in job.after:
            if name == job.full_name:
                problems.append(Problem(where, f"`after`: {name!r} is this job itself; a job "
                                        "cannot start when it succeeds itself"))
            elif name not in exists:
                problems.append(Problem(where, f"`after`: unknown job {name!r}"
                                        f"{_did_you_mean(name, sorted(exists))}; name jobs by "
                                        "their full name, such as data/nightly-backup"))
            elif name in by_name:
                edges.setdefault(job.full_name, []).append((name, where))
    problems.extend(_cycles(edges))
    problems.extend(_categories(jobs))
    return problems


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _cycles(edges: dict[str, list[tuple[str, Location]]]) -> list[Problem]:
    """One problem per strongly connected group of jobs, naming one whole cycle in it,
    located at the `after` entry of its first job (by name) that closes the cycle."""
    problems = []
    for group in _strongly_connected(edges):
        start = min(group)
        cycle = _cycle_through(start, group, edges)
        where = next(loc for name, loc in edges[start] if name == cycle[1])
        text = " -> ".join(cycle)
        problems.append(Problem(where, f"`after` makes a dependency cycle: {text} (each job "
                                "starts after the next one succeeds); remove one of these "
                                "`after` entries"))
    return problems


def _strongly_connected(edges: dict[str, list[tuple[str, Location]]]) -> list[set[str]]:
    """Tarjan's algorithm without recursion; groups of two or more jobs only."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = [name for name, _ in edges.get(node, ())]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


def _cycle_through(start: str, group: set[str],
                   edges: dict[str, list[tuple[str, Location]]]) -> list[str]:
    """The shortest cycle from `start` back to it, inside `group` (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target, _ in edges.get(node, ()):
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if target in group and target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"{start} is in a cycle but none was found")


def _categories(jobs: list[TreeLinks]) -> list[Problem]:
    stated: dict[tuple[str, str], tuple[int, str]] = {}  # (category, key) -> value, job
    problems = []
    for job in sorted(jobs, key=lambda j: j.full_name):
        if job.category is None:
            continue
        name, total, per_node, where = job.category
        for key, value in (("max_total", total), ("max_per_node", per_node)):
            if value is None:
                continue
            known = stated.setdefault((name, key), (value, job.full_name))
            if known[0] != value:
                problems.append(Problem(where, f"`throttle`: category {name!r} has "
                                        f"{key} {known[0]} in job {known[1]!r}, here {value}; "
                                        "a category has one set of limits"))
    return problems


def category_limits(jobs: list[TreeLinks]) -> dict[str, dict[str, int]]:
    """Each throttle category's limits as the specs state them (for the manifest)."""
    limits: dict[str, dict[str, int]] = {}
    for job in sorted(jobs, key=lambda j: j.full_name):
        if job.category is None:
            continue
        name, total, per_node, _ = job.category
        entry = limits.setdefault(name, {})
        if total is not None:
            entry.setdefault("max_total", total)
        if per_node is not None:
            entry.setdefault("max_per_node", per_node)
    return dict(sorted(limits.items()))
