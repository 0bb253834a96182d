"""The seed's fixed script and its data: order of jobs, data file shape, hash form."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from jobsmith.generator.seed_script import (
    approval_hash,
    data_path,
    job_line,
    seed_approval_hash,
    seed_data,
    seed_script,
    upstream_first,
)


@pytest.mark.parametrize(
    ("after", "order"),
    [
        ({"b": [], "a": []}, ["a", "b"]),
        ({"a": ["z"], "z": []}, ["z", "a"]),
        ({"a": ["m/x"], "m/x": ["q"], "q": [], "b": []}, ["b", "q", "m/x", "a"]),
        ({"d": ["b", "c"], "c": ["a"], "b": ["a"], "a": []}, ["a", "b", "c", "d"]),
        ({"a": ["gone"]}, ["a"]),  # an unknown upstream is a spec error found elsewhere
    ],
)
def test_upstream_jobs_come_first(after: dict[str, list[str]], order: list[str]) -> None:
    assert upstream_first(after) == order


def test_data_is_json_with_a_line_a_job() -> None:
    lines = [job_line({"name": "a/x", "description": "caf\u00e9 \U0001f600\n'\"\\"}),
             job_line({"name": "b"})]
    data = b"".join(seed_data(["a"], lines))
    assert data.isascii()
    parsed = json.loads(data)
    assert parsed["format"] == 1 and parsed["folders"][0]["name"] == "a"
    assert parsed["jobs"][0]["description"] == "caf\u00e9 \U0001f600\n'\"\\"
    assert lines[0] + b"," in data.splitlines() and lines[1] in data.splitlines()
    assert json.loads(b"".join(seed_data([], []))) == {**parsed, "folders": [], "jobs": []}


def test_the_data_path_is_relative_to_the_workspace(tmp_path: Path) -> None:
    assert data_path("out", tmp_path) == "out/dsl/jobsmith.json"
    assert data_path(tmp_path / "x" / "out", tmp_path) == "x/out/dsl/jobsmith.json"
    assert data_path("./out/", tmp_path) == "out/dsl/jobsmith.json"
    assert "'out/dsl/jobsmith.json'" in seed_script("out", tmp_path)
    assert str(tmp_path) not in seed_script(tmp_path / "out", tmp_path)


def test_hash_form() -> None:
    # script-security ScriptApproval.Hasher.SHA512: "SHA512:" + 128 lower-case hex digits
    assert re.fullmatch(r"SHA512:[0-9a-f]{128}", approval_hash("x"))
    assert approval_hash("x") != approval_hash("y")
    assert seed_approval_hash("out", "/") == approval_hash(seed_script("out", "/"))
    assert seed_approval_hash("out", "/") != seed_approval_hash("build/out", "/")
