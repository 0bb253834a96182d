"""Job and folder names exactly as `jenkins.model.Jenkins.checkGoodName` checks them,
and metric/check names that two jobs may not share."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsmith.errors import Location, SpecError
from jobsmith.spec import load_tree
from jobsmith.spec.names import UNSAFE, metric_collisions, metric_name, name_problem
from jobsmith.wrapper.metrics import metric_job


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


def _checked_one_by_one(name: str) -> str | None:
    """`name_problem` as it was written before its one-search fast path: each character
    in turn."""
    if not name:
        return "a name cannot be empty"
    if name.strip() in (".", ".."):
        return f"{name.strip()!r} is not allowed as a name"
    for char in name:
        code = ord(char)
        if code <= 0x1F or 0x7F <= code <= 0x9F:
            return f"control character U+{code:04X} is not allowed in a name"
        if char in UNSAFE:
            return f"{char!r} is not allowed in a name (Jenkins rejects any of {UNSAFE})"
    if name.strip().endswith("."):
        return "a name cannot end with '.'"
    return None


def test_the_one_search_finds_what_a_character_by_character_check_finds() -> None:
    singles = [chr(code) for code in range(0x250)] + ["\u2028", "\ufeff", "😀"]
    names = [*singles, *(f"a{c}b" for c in singles), *(f"{c}.{d}" for c in "a?\x85 ." for d in
                                                        singles), " . ", "x. ", "a?b:c\x01"]
    for name in names:
        assert name_problem(name) == _checked_one_by_one(name), repr(name)


def test_metric_names_are_metric_jobs() -> None:
    for name in [*(chr(code) for code in range(0x250)), "".join(chr(c) for c in range(128)),
                 "team/job-1_x.y", "a b/c", "日本/x", "équipe/sauvegarde «db»"]:
        assert metric_name(name) == metric_job(name), repr(name)
