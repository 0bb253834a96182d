"""Rendering goldens: `fixtures/render/NAME.yaml` beside the exact `NAME.dsl.groovy` and
`NAME.pipeline.groovy` it renders to (`make goldens` rewrites them). All goldens and the
generated examples are compiled by real Groovy 2.4 in one JVM."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from jobsmith.generator import generate, render_job
from jobsmith.spec import load_tree
from tests.support.groovy import compile_files, evaluate_literals

FIXTURES = Path(__file__).parent / "fixtures" / "render"
REGENERATE = os.environ.get("JOBSMITH_REGENERATE_GOLDENS") == "1"
CASES = sorted(p.stem for p in FIXTURES.glob("*.yaml"))
REPO = Path(__file__).parents[2]


def _load(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # `NAME.tree/` holds the other jobs of the tree a case needs (the upstreams of `after`)
    if (FIXTURES / f"{case}.tree").is_dir():
        shutil.copytree(FIXTURES / f"{case}.tree", tmp_path / "jobs")
    (tmp_path / "jobs").mkdir(exist_ok=True)
    shutil.copy(FIXTURES / f"{case}.yaml", tmp_path / "jobs" / f"{case}.yaml")
    monkeypatch.chdir(tmp_path)
    return load_tree(Path("jobs")).jobs[case]


@pytest.mark.parametrize("case", CASES)
def test_render_golden(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = render_job(_load(case, tmp_path, monkeypatch))
    for suffix, text in ((".dsl.groovy", rendered.dsl), (".pipeline.groovy", rendered.pipeline)):
        golden = FIXTURES / f"{case}{suffix}"
        if REGENERATE:
            golden.write_text(text)
        assert text == golden.read_text(), f"{golden.name} differs; `make goldens` rewrites it"


def test_every_golden_and_example_compiles_with_groovy(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    generate(Path("examples/jobs"), tmp_path / "out")
    files = sorted((tmp_path / "out").rglob("*.groovy")) + sorted(FIXTURES.glob("*.groovy"))
    assert len(files) > 2 * len(CASES)
    failures = {path: error for path, error in compile_files(files).items() if error}
    assert not failures


def _argument(text: str, call: str) -> str:
    match = re.search(rf"^\s*{call}\((.*)\)$", text, re.MULTILINE)
    assert match, f"no {call}(...) line"
    return match.group(1)


def test_hostile_values_survive_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _load("hostile_strings", tmp_path, monkeypatch)
    rendered = render_job(job)
    description, pipeline = evaluate_literals(
        [_argument(rendered.dsl, "description"), _argument(rendered.dsl, "script")]
    )
    assert pipeline == rendered.pipeline
    assert job.description is not None and job.description in description
    assert f"Owner: {job.owner}" in description
