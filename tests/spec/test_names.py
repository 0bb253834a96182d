"""Job and folder names exactly as `jenkins.model.Jenkins.checkGoodName` checks them,
and metric/check names that two jobs may not share."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsmith.errors import Location, SpecError
from jobsmith.spec import load_tree
from jobsmith.spec.names import metric_collisions, name_problem


@pytest.mark.parametrize("name", [
    "rapport-qualité", "weekly job", "a.b", "(x)", "déjà vu", "~tilde", "a,b", "x=1",
    "'quoted'", "\u00a0nbsp", "日本",
])
def test_names_jenkins_accepts(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty"),
    (".", "'.' is not allowed"),
    (" .. ", "'..' is not allowed"),
    ("reindex.", "cannot end with '.'"),
    ("reindex. ", "cannot end with '.'"),  # checkGoodName trims before the trailing-dot test
    ("a\tb", "control character U+0009"),
    ("a\x7fb", "control character U+007F"),
    ("a\x85b", "control character U+0085"),  # Character.isISOControl covers U+007F-U+009F
    *[(f"a{char}b", repr(char)) for char in "?*\\%!@#$^&|<>[]:;"],
])
def test_names_jenkins_rejects(name: str, why: str) -> None:
    problem = name_problem(name)
    assert problem is not None and why in problem


def test_trailing_dot_file_is_a_spec_error(tmp_path: Path) -> None:
    (tmp_path / "jobs" / "ops").mkdir(parents=True)
    (tmp_path / "jobs" / "ops" / "reindex..yaml").write_text("command: ./r.sh\n")
    (tmp_path / "jobs" / "ops" / "fine.yaml").write_text("command: ./r.sh\n")
    with pytest.raises(SpecError) as error:
        load_tree(tmp_path / "jobs")
    (problem,) = error.value.problems
    assert problem.location.path.endswith("ops/reindex..yaml")
    assert "'reindex.'" in problem.message and "end with '.'" in problem.message


def test_colliding_metric_names_name_both() -> None:
    where = Location("jobs/x.yaml")
    problems = metric_collisions([("team/a b", where), ("team/a_b", where),
                                  ("team/a.b", where), ("team/ok", where)])
    assert len(problems) == 3
    assert "'team/a b' and 'team/a.b', 'team/a_b'" in problems[0].message
    assert "jobsmith.team.a_b" in problems[0].message
