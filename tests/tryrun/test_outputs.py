"""Outputs handed from stage to stage as `stash`/`unstash` hand them: Ant-style
includes (`out/**` for a directory), `allowEmpty: false` (nothing matched fails the
stage), and each later stage's workspace gets only the stashes named for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jobsmith.tryrun.outputs import stash, unstash


@dataclass
class Stash:
    name: str
    includes: str


@dataclass
class View:
    stash: Stash | None = None
    unstash: tuple[str, ...] | None = None


@dataclass
class Stage:
    name: str
    outputs: tuple[str, ...] = ()


def _workspace(root: Path, name: str, files: dict[str, str]) -> Path:
    workspace = root / name
    for path, text in files.items():
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(text)
    workspace.mkdir(exist_ok=True)
    return workspace


def test_a_stash_carries_its_files_into_a_later_workspace(tmp_path: Path) -> None:
    first = _workspace(tmp_path, "ws-1", {"report.csv": "a,b\n", "out/x/y.txt": "y",
                                          "scratch.tmp": "no"})
    stashes: dict[str, Path] = {}
    view = View(stash=Stash("jobsmith outputs of build", "report.csv,out/**"))
    assert stash(stashes, view, Stage("build"), first) is None
    later = _workspace(tmp_path, "ws-2", {})
    unstash(stashes, View(unstash=("jobsmith outputs of build",)), later)
    assert sorted(p.relative_to(later).as_posix() for p in later.rglob("*") if p.is_file()) \
        == ["out/x/y.txt", "report.csv"]
    elsewhere = _workspace(tmp_path, "ws-3", {})
    unstash(stashes, View(unstash=()), elsewhere)  # a stage that gets none
    assert list(elsewhere.iterdir()) == []


def test_outputs_without_a_generated_stash_use_the_spec_paths(tmp_path: Path) -> None:
    first = _workspace(tmp_path, "ws-1", {"dist/app.tar": "t"})
    stashes: dict[str, Path] = {}
    assert stash(stashes, View(), Stage("pack", outputs=("dist/",)), first) is None
    later = _workspace(tmp_path, "ws-2", {})
    unstash(stashes, View(), later)
    assert (later / "dist/app.tar").read_text() == "t"


def test_nothing_matched_fails_as_stash_does(tmp_path: Path) -> None:
    empty = _workspace(tmp_path, "ws-1", {})
    problem = stash({}, View(stash=Stash("s", "report.csv")), Stage("x"), empty)
    assert problem is not None and "no files match the outputs report.csv" in problem
