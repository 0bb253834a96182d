"""`generate` checks `after` and throttle categories across the whole tree, also when
worker processes load the jobs, and writes the links into the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobsmith.errors import SpecError
from jobsmith.generator import generate
from jobsmith.generator.build import CHUNK


def _tree(root: Path, count: int) -> Path:
    jobs = root / "jobs"
    for i in range(count):
        folder = jobs / f"f{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        upstream = f"f{(i - 1) % 7}/j{i - 1}" if i else None
        after = f"after: [{upstream}]\n" if upstream else ""
        (folder / f"j{i}.yaml").write_text(f"command: ./run.sh {i}\n{after}"
                                           "throttle: {category: io, max_total: 4}\n")
    return jobs


@pytest.mark.parametrize("workers", [1, 2])
def test_cycle_across_chunks_is_an_error_and_nothing_is_written(tmp_path: Path,
                                                                workers: int) -> None:
    count = 2 * CHUNK + 5  # the cycle spans the chunks of different workers
    jobs = _tree(tmp_path, count)
    generate(jobs, tmp_path / "out", workers=workers)
    before = (tmp_path / "out" / "manifest.json").read_bytes()
    first = jobs / "f0" / "j0.yaml"
    last = f"f{(count - 1) % 7}/j{count - 1}"
    first.write_text(f"command: ./run.sh 0\nafter: [{last}]\n")
    with pytest.raises(SpecError) as caught:
        generate(jobs, tmp_path / "out", workers=workers)
    [problem] = caught.value.problems
    assert str(problem.location) == f"{first}:2:9"
    assert problem.message.startswith(f"`after` makes a dependency cycle: f0/j0 -> {last} -> ")
    assert problem.message.count(" -> ") == count
    assert (tmp_path / "out" / "manifest.json").read_bytes() == before


def test_manifest_lists_links_and_categories(tmp_path: Path) -> None:
    jobs = _tree(tmp_path, 3)
    generate(jobs, tmp_path / "out", workers=1)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["jobs"]["f1/j1"]["after"] == ["f0/j0"]
    assert "after" not in manifest["jobs"]["f0/j0"]
    assert manifest["throttle_categories"] == {"io": {"max_total": 4}}


def test_unknown_upstream_found_by_workers(tmp_path: Path) -> None:
    jobs = _tree(tmp_path, CHUNK + 1)
    (jobs / "f0" / "j0.yaml").write_text("command: x\nafter: [f0/nope]\n")
    with pytest.raises(SpecError, match="unknown job 'f0/nope'"):
        generate(jobs, tmp_path / "out", workers=2)
