"""Warnings: golden `.warning` files beside each case (`make goldens` rewrites them).

A case is `fixtures/warnings/NAME.yaml` (loaded as `jobs/NAME.yaml`) or a directory
`fixtures/warnings/NAME/` (loaded as the tree `jobs/`); the tree must be valid, and
`NAME.warning` holds its warnings as `jobsmith validate` prints them, daylight-saving
changes looked for in the two years from FROM. Each case names, in a `# Jenkins:` comment
at its top, the core or plugin class and method that make the warning true (read in
jenkinsci/jenkins, workflow-job, throttle-concurrent-builds-plugin,
priority-sorter-plugin); the case `clean` must have none.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobsmith.errors import render_problems
from jobsmith.spec import load_tree
from jobsmith.spec.warnings import tree_warnings

FIXTURES = Path(__file__).parent / "fixtures" / "warnings"
REGENERATE = os.environ.get("JOBSMITH_REGENERATE_GOLDENS") == "1"
CASES = sorted(p.stem if p.is_file() else p.name for p in FIXTURES.iterdir()
               if p.suffix == ".yaml" or p.is_dir())
FROM = datetime(2026, 12, 1, tzinfo=UTC)


def _tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> Path:
    source = FIXTURES / case
    jobs = tmp_path / "jobs"
    if source.is_dir():
        shutil.copytree(source, jobs)
    else:
        jobs.mkdir()
        shutil.copy(FIXTURES / f"{case}.yaml", jobs / f"{case}.yaml")
    monkeypatch.chdir(tmp_path)
    return Path("jobs")


def _report(root: Path) -> str:
    warnings = tree_warnings(load_tree(root).jobs.values(), FROM)
    return render_problems(warnings, "warning") + "\n" if warnings else ""


@pytest.mark.parametrize("case", CASES)
def test_warning_golden(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report(_tree(tmp_path, monkeypatch, case))
    golden = FIXTURES / f"{case}.warning"
    if REGENERATE:
        golden.write_text(report)
    assert report == golden.read_text()
    if case == "clean":
        assert report == ""
    else:
        assert report.count(": warning: ") >= 1


@pytest.mark.parametrize("case", CASES)
def test_each_case_names_the_jenkins_code_behind_it(case: str) -> None:
    source = FIXTURES / case
    files = sorted(source.rglob("*.yaml")) if source.is_dir() else [FIXTURES / f"{case}.yaml"]
    cited = [f for f in files if "# Jenkins:" in f.read_text()]
    assert cited, f"{case}: no `# Jenkins:` comment naming the class and method"


def test_the_examples_have_no_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2] / "examples" / "jobs"
    assert _report(root) == ""


def test_there_are_cases() -> None:
    assert len(CASES) >= 10
