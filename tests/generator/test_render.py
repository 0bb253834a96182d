"""Rendering goldens: `fixtures/render/NAME.yaml` beside the exact `NAME.job.json` (the
job's entry in the seed data, its pipeline left out) and `NAME.pipeline.groovy` it renders
to, and `fixtures/jobsmith.groovy`, the seed's fixed Job DSL script (`make goldens`
rewrites them). All goldens and the generated examples are compiled by real Groovy 2.4
in one JVM."""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from jobsmith.generator import generate, pipeline, properties, render, render_job, steps
from jobsmith.generator.seed_script import job_line, seed_script
from jobsmith.spec import load_tree
from tests.support.groovy import compile_files

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


def _readable(value: Any, indent: str = "") -> str:
    """JSON, indented, with every list or map that holds no map or list on one line."""
    inner = indent + "  "
    if isinstance(value, dict) and any(isinstance(v, dict | list) and v for v in value.values()):
        items = [f"{inner}{json.dumps(k)}: {_readable(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [f"{inner}{_readable(v, inner)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False)


def _check_golden(golden: Path, text: str) -> None:
    if REGENERATE:
        golden.write_text(text)
    assert text == golden.read_text(), f"{golden.name} differs; `make goldens` rewrites it"


@pytest.mark.parametrize("case", CASES)
def test_render_golden(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = render_job(_load(case, tmp_path, monkeypatch))
    assert rendered.data["pipeline"] == rendered.pipeline
    data = {key: value for key, value in rendered.data.items() if key != "pipeline"}
    _check_golden(FIXTURES / f"{case}.job.json",
                  _readable(data) + "\n")
    _check_golden(FIXTURES / f"{case}.pipeline.groovy", rendered.pipeline)


def test_seed_script_golden() -> None:
    _check_golden(FIXTURES.parent / "jobsmith.groovy", seed_script("out", "."))


def test_every_golden_and_example_compiles_with_groovy(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    generate(REPO / "examples" / "jobs", Path("out"))
    files = sorted((tmp_path / "out").rglob("*.groovy")) + sorted(FIXTURES.glob("*.groovy"))
    files.append(FIXTURES.parent / "jobsmith.groovy")
    assert len(files) > len(CASES)
    assert tmp_path / "out" / "dsl" / "jobsmith.groovy" in files
    failures = {path: error for path, error in compile_files(files).items() if error}
    assert not failures


def test_hostile_values_survive_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    job = _load("hostile_strings", tmp_path, monkeypatch)
    rendered = render_job(job)
    line = job_line(rendered.data)
    assert line.isascii() and b"\n" not in line  # one line of the data file, any JVM charset
    data = json.loads(line)
    assert data == rendered.data
    assert job.description is not None and job.description in data["description"]
    assert f"Owner: {job.owner}" in data["description"]
    assert data["pipeline"] == rendered.pipeline


def _executed(path: str, run: Callable[[], object]) -> set[tuple[int, int]]:
    """The (line, next line) steps `run` makes through the code of file `path`
    (0 as the next line: the function returned)."""
    taken: set[tuple[int, int]] = set()

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code.co_filename != path:
            return None
        last = [frame.f_lineno]

        def local(frame: FrameType, event: str, arg: object) -> Any:
            if event in ("line", "return"):
                line = frame.f_lineno if event == "line" else 0
                taken.add((last[0], line))
                last[0] = line
            return local

        return local

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        run()
    finally:
        sys.settrace(previous)
    return taken


# Code whose only test is the goldens (names: those functions; None: the whole module).
GOLDEN_CODE = {"pipeline": (pipeline, None), "properties": (properties, None),
               "steps": (steps, {"wrapper_script", "finish_command"})}


@pytest.mark.parametrize("code", sorted(GOLDEN_CODE))
def test_the_goldens_take_every_branch_of(code: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The goldens are this code's test: each of its statements runs for one of them,
    and each `if` goes both ways (a new branch needs a new case)."""
    module, names = GOLDEN_CODE[code]
    for case in CASES:
        (tmp_path / case).mkdir()
    jobs = [_load(case, tmp_path / case, monkeypatch) for case in CASES]
    path = module.__file__
    assert path is not None
    monkeypatch.setattr(render, "_SHARED", {})  # each job's properties made here, none kept
    taken = _executed(path, lambda: [render_job(job) for job in jobs])
    ran = {line for _, line in taken}
    functions = [node for node in ast.walk(ast.parse(Path(path).read_text()))
                 if isinstance(node, ast.FunctionDef) and (names is None or node.name in names)]
    assert functions
    statements = {node.lineno for function in functions for node in ast.walk(function)
                  if isinstance(node, ast.stmt) and node is not function
                  and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))}
    missing = sorted(statements - ran)
    assert not missing, f"{code}: lines no golden runs: {missing}"
    for function in functions:
        for node in ast.walk(function):
            if isinstance(node, ast.If):
                test = range(node.lineno, (node.test.end_lineno or node.lineno) + 1)
                body = range(node.body[0].lineno, (node.body[-1].end_lineno or 0) + 1)
                after = {line for line_from, line in taken
                         if line_from in test and line not in test}
                assert any(line in body for line in after), f"line {node.lineno}: never true"
                assert any(line not in body for line in after), f"line {node.lineno}: never false"
