"""The seed's data file written while the team works (`streamed_data`) is byte for byte
the file written whole at the end, and it is written that way only where its order is
the order of the results: no `after` anywhere, names in path order, no problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsmith.errors import SpecError
from jobsmith.generator import generate
from jobsmith.generator import output as output_module
from jobsmith.generator.seed_script import DATA
from jobsmith.generator.streamed_data import StreamedData


def _tree(root: Path, names: list[str], extra: dict[str, str] | None = None) -> Path:
    for name in names:
        spec = root / f"{name}.yaml"
        spec.parent.mkdir(parents=True, exist_ok=True)
        spec.write_text(f"command: ./run.sh {name}\n{(extra or {}).get(name, '')}")
    return root


def _files(out: Path) -> dict[str, bytes]:
    return {str(path.relative_to(out)): path.read_bytes()
            for path in sorted(out.rglob("*")) if path.is_file()}


def _generate(jobs: Path, out: Path, workers: int, streamed: bool,
              monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bytes], bool]:
    """The output, and whether the data file was written whole at the end."""
    whole: list[str] = []
    write_chunks = output_module.AtomicOutput.write_chunks

    def spy(self: output_module.AtomicOutput, relative: str, chunks: object) -> None:
        whole.append(relative)
        write_chunks(self, relative, chunks)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(output_module.AtomicOutput, "write_chunks", spy)
        if not streamed:  # the reference: the file is always written at the end
            patch.setattr(StreamedData, "add",
                          lambda self, *job: StreamedData.drop(self))
        generate(jobs, out, workers=workers)
    return _files(out), whole == [DATA]


MANY = [f"team{i // 30}/job{i}" for i in range(150)]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_usual_tree_streams_the_same_bytes(tmp_path: Path, workers: int,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _tree(tmp_path / "jobs", MANY)
    streamed, at_end = _generate(jobs, tmp_path / "out", workers, True, monkeypatch)
    assert not at_end
    reference, at_end = _generate(jobs, tmp_path / "out", workers, False, monkeypatch)
    assert at_end
    assert streamed == reference


@pytest.mark.parametrize(("names", "extra"), [
    (MANY, {"team1/job40": "after: [team0/job3]\n"}),  # upstream jobs first
    (MANY, {"team4/job140": "after: [team0/job3]\n"}),  # the last job
    (["a/x", "a-b/x", "a.b", "b"], {}),  # path order (a, a-b) is not name order (a-b/x < a/x)
])
@pytest.mark.parametrize("workers", [1, 2])
def test_another_order_is_written_at_the_end(tmp_path: Path, workers: int,
                                             names: list[str], extra: dict[str, str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _tree(tmp_path / "jobs", names, extra)
    streamed, at_end = _generate(jobs, tmp_path / "out", workers, True, monkeypatch)
    assert at_end
    reference, _ = _generate(jobs, tmp_path / "out", workers, False, monkeypatch)
    assert streamed == reference


def test_a_problem_leaves_the_previous_output(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _tree(tmp_path / "jobs", MANY)
    before, _ = _generate(jobs, tmp_path / "out", 2, True, monkeypatch)
    (jobs / "team2" / "job70.yaml").write_text("command: [unclosed\n")
    with pytest.raises(SpecError):
        generate(jobs, tmp_path / "out", workers=2)
    assert _files(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".jobsmith-lock-out", "jobs", "out"]


def test_an_unchanged_data_file_keeps_its_inode(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = _tree(tmp_path / "jobs", MANY)
    _generate(jobs, tmp_path / "out", 2, True, monkeypatch)
    inode = (tmp_path / "out" / DATA).stat().st_ino
    (jobs / "team0" / "job1.yaml").write_text("command: ./run.sh changed\n")
    generate(jobs, tmp_path / "out", workers=2)
    assert (tmp_path / "out" / DATA).stat().st_ino != inode  # it changed: written anew
    inode = (tmp_path / "out" / DATA).stat().st_ino
    result = generate(jobs, tmp_path / "out", workers=2)
    assert (tmp_path / "out" / DATA).stat().st_ino == inode
    assert result.stats.written == 0
