"""Hostile spec trees: nothing named like a spec is dropped silently, symbolic links are
followed only inside SPEC_ROOT, and nothing of a file outside it is ever shown.

Each case is made for real on disk (links, loops, FIFOs, an unreadable directory read
by another user, a path longer than PATH_MAX) and checked through `jobsmith validate`
or `discover` as the user sees it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsmith.spec.tree import discover

NOBODY = 65534
JOB = "command: ./run.sh\n"


def validate(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jobsmith", "validate", str(root)],
                          capture_output=True, text=True, timeout=60, check=False)


def problems(root: Path) -> dict[str, str]:
    """`path:line:col` -> message of each problem `discover` finds."""
    return {str(problem.location): problem.message for problem in discover(root).problems}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    tree = tmp_path / "jobs"
    (tree / "team").mkdir(parents=True)
    (tree / "team" / "good.yaml").write_text(JOB)
    return tree


def test_broken_and_looping_links_fifos_and_directories_named_like_specs(root: Path) -> None:
    (root / "team" / "gone.yaml").symlink_to(root / "team" / "missing.yaml")
    (root / "team" / "self.yaml").symlink_to("self.yaml")
    os.mkfifo(root / "team" / "pipe.yaml")
    (root / "team" / "folder.yaml").mkdir()
    (root / "team" / "folder.yaml" / "inner.yaml").write_text(JOB)
    (root / "team" / "back").symlink_to("..")  # a directory link to an ancestor
    found = problems(root)
    assert found == {
        f"{root}/team/back:1:1":
            "a symbolic link loop (to a directory that holds it); not followed",
        f"{root}/team/folder.yaml:1:1": "a directory, not a spec file; a job spec is a file "
                                        "(its specs are read as those of a folder)",
        f"{root}/team/gone.yaml:1:1":
            "a broken symbolic link (No such file or directory); a job spec is a file",
        f"{root}/team/pipe.yaml:1:1": "not a regular file (a FIFO); a job spec is a file",
        f"{root}/team/self.yaml:1:1": "a symbolic link loop; a job spec is a file",
    }
    result = validate(root)
    assert result.returncode == 2
    assert "5 problems in 5 files" in result.stdout + result.stderr


def test_links_inside_the_root_are_followed(root: Path) -> None:
    (root / "shared").mkdir()
    (root / "shared" / "nightly.yaml").write_text(JOB)
    (root / "team" / "alias.yaml").symlink_to(root / "shared" / "nightly.yaml")
    (root / "linked").symlink_to("shared")
    discovery = discover(root)
    assert discovery.problems == []
    assert sorted(discovery.full_names) == [
        "linked/nightly", "shared/nightly", "team/alias", "team/good"]


def test_a_link_to_a_file_outside_is_an_error_and_its_content_is_never_shown(
    root: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("TOPSECRET_PASSWORD: hunter2\n")
    (root / "team" / "leak.yaml").symlink_to(secret)
    (root / "team" / "_defaults.yaml").symlink_to(secret)
    (root / "elsewhere").symlink_to(tmp_path)  # a directory outside
    result = validate(root)
    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert "TOPSECRET" not in output and "hunter2" not in output
    assert f"{root}/team/leak.yaml:1:1: a symbolic link to a file outside the spec root; " \
           "not read (links are followed only inside it)" in output
    assert f"{root}/team/_defaults.yaml:1:1: a symbolic link to a file outside" in output
    assert f"{root}/elsewhere:1:1: a symbolic link to a directory outside the spec root; " \
           "not followed" in output


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A spec tree in a directory every user may enter (tmp_path is root's alone)."""
    parent = Path(tempfile.mkdtemp(prefix="jobsmith-tree-"))
    parent.chmod(0o755)
    tree = parent / "jobs"
    (tree / "team").mkdir(parents=True)
    (tree / "team" / "good.yaml").write_text(JOB)
    for path in (tree, tree / "team", tree / "team" / "good.yaml"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield tree
    shutil.rmtree(parent)


def discover_as_another_user(root: Path) -> dict[str, str]:
    """`problems(root)` in a forked process that is user nobody when the tests run as
    root (root reads every directory), or this user otherwise."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            os.write(write, json.dumps(problems(root)).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        data = handle.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    found: dict[str, str] = json.loads(data)
    return found


def test_an_unreadable_directory_is_an_error_not_a_silent_gap(shared_tree: Path) -> None:
    locked = shared_tree / "locked"
    locked.mkdir()
    (locked / "hidden-job.yaml").write_text(JOB)
    locked.chmod(0o000)
    try:
        found = discover_as_another_user(shared_tree)
    finally:
        locked.chmod(0o755)
    assert found == {
        f"{locked}:1:1": "cannot read this directory: Permission denied; "
                         "the specs in it would be missed",
    }


def test_a_path_longer_than_path_max_is_an_error(root: Path) -> None:
    """Built with directory descriptors: no path that long can be passed to mkdir."""
    name = "d" * 200
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(22):  # 22 x 201 bytes: past Linux's PATH_MAX of 4096
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        spec = os.open("deep.yaml", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(spec, JOB.encode())
        os.close(spec)
    finally:
        os.close(fd)
    found = problems(root)
    assert len(found) == 1
    ((where, message),) = found.items()
    assert where.startswith(f"{root}/{name}/") and where.endswith(":1:1")
    assert message.startswith("cannot read")
    assert "the path is too long for this system" in message
