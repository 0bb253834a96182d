"""Bad input: golden `.error` files beside each bad spec (`make goldens` rewrites them).

A case is `fixtures/errors/NAME.yaml` (loaded as `jobs/NAME.yaml`) or a directory
`fixtures/errors/NAME/` (loaded as the tree `jobs/`), with the expected report in
`NAME.error`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from jobsmith.errors import SpecError
from jobsmith.spec import load_tree

FIXTURES = Path(__file__).parent / "fixtures" / "errors"
REGENERATE = os.environ.get("JOBSMITH_REGENERATE_GOLDENS") == "1"
CASES = sorted(p.stem if p.is_file() else p.name for p in FIXTURES.iterdir()
               if p.suffix == ".yaml" or p.is_dir())


def _report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> str:
    source = FIXTURES / case
    jobs = tmp_path / "jobs"
    if source.is_dir():
        shutil.copytree(source, jobs)
    else:
        jobs.mkdir()
        shutil.copy(FIXTURES / f"{case}.yaml", jobs / f"{case}.yaml")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as caught:
        load_tree(Path("jobs"))
    return caught.value.render() + "\n"


@pytest.mark.parametrize("case", CASES)
def test_error_golden(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report(tmp_path, monkeypatch, case)
    golden = FIXTURES / f"{case}.error"
    if REGENERATE:
        golden.write_text(report)
    assert report == golden.read_text()


def test_there_are_many_cases() -> None:
    assert len(CASES) >= 30


def _single(tmp_path: Path, name: str, data: bytes) -> SpecError:
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / name).write_bytes(data)
    with pytest.raises(SpecError) as caught:
        load_tree(tmp_path / "jobs")
    return caught.value


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (os.urandom(4096) + b"\0", ":1:1: file is binary"),
        (b"command: ./run.sh\n" + b"\0" * 10, ":1:1: file is binary"),
        ("command: café\n".encode("latin-1"), ":1:13: file is not UTF-8 text (byte 0xe9)"),
        (b"command: ./run.sh\n#" + b"x" * (1024 * 1024), ":1:1: file is 1,048,595 bytes"),
        (b"a: &a [" + b"x, " * 10 + b"]\n" + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n".encode()
            for i in range(8)), "too large for a spec"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        # SafeConstructor raises a bare ValueError / KeyError for these explicit tags
        # (construct_yaml_int, _float, _bool, _timestamp), not a ConstructorError.
        (b"command: !!int 0x\n", ":1:10: '0x' is not a valid int"),
        (b"command: !!float x\n", ":1:10: 'x' is not a valid float"),
        (b"command: !!bool maybe\n", ":1:10: 'maybe' is not a valid bool"),
        (b"command: !!timestamp 2020-13-45\n", ":1:10: '2020-13-45' is not a valid timestamp"),
        (b"command: ./run.sh\n!!int x: 1\n", ":2:1: 'x' is not a valid int"),
    ],
    ids=["random-bytes", "nul-bytes", "latin-1", "over-1MiB", "alias-bomb", "deep-nesting",
         "tag-int-hex", "tag-float", "tag-bool", "tag-timestamp", "tag-int-key"],
)
def test_hostile_files(tmp_path: Path, data: bytes, expected: str) -> None:
    error = _single(tmp_path, "job.yaml", data)
    assert len(error.problems) == 1
    assert expected in error.render()
    assert str(error.problems[0].location).startswith(str(tmp_path / "jobs" / "job.yaml"))


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "a.yaml").write_text("comand: x\n")
    (jobs / "b.yaml").write_text("command: x\ntimeout: soon\nretries: many\n")
    (jobs / "c.yaml").write_text("command: ./ok.sh\n")
    with pytest.raises(SpecError) as caught:
        load_tree(jobs)
    assert [p.location.line for p in caught.value.problems] == [1, 2, 3]
    assert caught.value.exit_code == 2


def test_empty_tree_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no job specs"):
        load_tree(tmp_path)
