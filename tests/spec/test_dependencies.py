"""Checks across the tree: `after` names real jobs and makes no cycle; a throttle
category has one set of limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsmith.errors import Location, SpecError
from jobsmith.spec import load_tree
from jobsmith.spec.dependencies import TreeLinks, category_limits, check_links


def _jobs(edges: dict[str, list[str]]) -> list[TreeLinks]:
    return [TreeLinks(name, tuple((target, Location(f"{name}.yaml", 2, 9 + i))
                                  for i, target in enumerate(targets)))
            for name, targets in edges.items()]


def _messages(edges: dict[str, list[str]]) -> list[str]:
    return [f"{p.location}: {p.message}" for p in check_links(_jobs(edges))]


@pytest.mark.parametrize(
    ("edges", "cycles"),
    [
        ({"a": [], "b": ["a"], "c": ["a", "b"]}, []),                      # a diamond is fine
        ({"a": ["b"], "b": ["a"]}, ["a -> b -> a"]),
        ({"a": ["c"], "b": ["a"], "c": ["b"]}, ["a -> c -> b -> a"]),
        ({"x": ["a"], "a": ["b"], "b": ["c"], "c": ["a"]}, ["a -> b -> c -> a"]),
        ({"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"]}, ["a -> b -> a", "c -> d -> c"]),
        # one group with two cycles through `a`: the shortest is named
        ({"a": ["b", "d"], "b": ["c"], "c": ["a"], "d": ["a"]}, ["a -> d -> a"]),
    ],
    ids=["diamond", "two", "three", "tail", "two-groups", "shortest"],
)
def test_cycles_are_named_whole(edges: dict[str, list[str]], cycles: list[str]) -> None:
    found = [m.split("dependency cycle: ")[1].split(" (")[0] for m in _messages(edges)]
    assert found == cycles


def test_cycle_is_located_at_the_entry_that_closes_it() -> None:
    [message] = _messages({"a": ["x", "b"], "b": ["a"], "x": []})
    assert message.startswith("a.yaml:2:10: `after` makes a dependency cycle: a -> b -> a")


def test_unknown_and_self() -> None:
    assert _messages({"a": ["a", "nope", "b"], "b": []}) == [
        "a.yaml:2:9: `after`: 'a' is this job itself; a job cannot start when it succeeds "
        "itself",
        "a.yaml:2:10: `after`: unknown job 'nope'; name jobs by their full name, such as "
        "data/nightly-backup",
    ]


def test_a_long_chain_needs_no_recursion() -> None:
    count = 20_000
    edges = {f"j{i}": [f"j{i + 1}"] for i in range(count)}
    edges[f"j{count}"] = ["j0"]
    [message] = _messages(edges)
    assert message.count(" -> ") == count + 1


def test_category_limits_must_agree() -> None:
    here = Location("x.yaml", 3, 13)
    jobs = [TreeLinks("a", category=("io", 2, None, here)),
            TreeLinks("b", category=("io", None, 1, here)),
            TreeLinks("c", category=("io", 2, 1, here)),
            TreeLinks("d", category=("cpu", 4, None, here)),
            TreeLinks("e")]
    assert check_links(jobs) == []
    assert category_limits(jobs) == {"cpu": {"max_total": 4},
                                     "io": {"max_per_node": 1, "max_total": 2}}
    jobs.append(TreeLinks("f", category=("io", 3, 1, here)))
    [problem] = check_links(jobs)
    assert problem.message == ("`throttle`: category 'io' has max_total 2 in job 'a', here 3; "
                               "a category has one set of limits")


def test_load_tree_checks_links_with_locations(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    (jobs / "team").mkdir(parents=True)
    (jobs / "team" / "_defaults.yaml").write_text("after: [team/b]\n")
    (jobs / "team" / "a.yaml").write_text("command: ./a.sh\n")
    (jobs / "team" / "b.yaml").write_text("command: ./b.sh\nafter:\n  - other\n  - team/a\n")
    (jobs / "other.yaml").write_text("command: ./o.sh\n")
    with pytest.raises(SpecError) as caught:
        load_tree(jobs)
    [problem] = caught.value.problems
    # `team/b` inherits nothing (its own list replaces the defaults'); `team/a` gets
    # `after: [team/b]` from `_defaults.yaml`, which closes the cycle there.
    assert problem.location == Location(str(jobs / "team" / "_defaults.yaml"), 1, 9)
    assert "team/a -> team/b -> team/a" in problem.message
