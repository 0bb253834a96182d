"""generate(): deterministic, rewrites only what changed, atomic, refuses foreign dirs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jobsmith.errors import SpecError
from jobsmith.generator import generate
from jobsmith.generator.output import AtomicOutput, OutputError

EXAMPLES = Path(__file__).parents[2] / "examples" / "jobs"


def _snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def jobs(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES, tmp_path / "jobs")
    return tmp_path / "jobs"


def test_two_checkouts_give_the_same_bytes(jobs: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = []
    for checkout in ("one", "two/deeper"):
        shutil.copytree(jobs, tmp_path / checkout / "jobs")
        monkeypatch.chdir(tmp_path / checkout)
        generate(Path("jobs"), Path("out"))
        outputs.append({k: v[1] for k, v in _snapshot(tmp_path / checkout / "out").items()})
    assert outputs[0] == outputs[1]
    assert "manifest.json" in outputs[0] and "dsl/jobsmith.groovy" in outputs[0]
    for data in outputs[0].values():
        assert str(tmp_path).encode() not in data


def test_spec_root_given_absolute_changes_nothing(jobs: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    generate(jobs, Path("a"))
    generate(Path("jobs"), Path("b"))
    first = {k: v[1] for k, v in _snapshot(tmp_path / "a").items()}
    second = {k: v[1] for k, v in _snapshot(tmp_path / "b").items()}
    differ = sorted(k for k in first if first[k] != second[k])
    # only the seed script's data path (and with it the hash in the manifest) names OUT
    assert differ == ["dsl/jobsmith.groovy", "manifest.json"]
    assert first["dsl/jobsmith.groovy"].replace(b" a/dsl/", b" b/dsl/").replace(
        b"'a/dsl/", b"'b/dsl/") == second[
        "dsl/jobsmith.groovy"]


def test_second_run_changes_nothing(jobs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(jobs, out)
    before = _snapshot(out)
    result = generate(jobs, out)
    assert result.stats.written == 0 and result.stats.removed == 0
    assert _snapshot(out) == before


def test_one_changed_spec_rewrites_only_its_files(jobs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(jobs, out)
    before = _snapshot(out)
    spec = jobs / "maintenance" / "cleanup-tmp.yaml"
    spec.write_text(spec.read_text().replace("timeout: 20m", "timeout: 25m"))
    result = generate(jobs, out)
    after = _snapshot(out)
    changed = sorted(k for k in after if before.get(k) != after[k])
    # the data file holds every job (one a line); the job's own line is the one that changed
    assert changed == ["dsl/jobsmith.json", "manifest.json",
                       "pipelines/maintenance/cleanup-tmp.groovy"]
    assert result.stats.written == 3
    old_lines = before["dsl/jobsmith.json"][1].splitlines()
    new_lines = after["dsl/jobsmith.json"][1].splitlines()
    differ = [new for old, new in zip(old_lines, new_lines, strict=True) if old != new]
    assert len(differ) == 1 and differ[0].startswith(b'{"name":"maintenance/cleanup-tmp",')


def test_removed_job_disappears(jobs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(jobs, out)
    (jobs / "reindex-search.yaml").unlink()
    result = generate(jobs, out)
    assert result.stats.removed == 1
    assert not (out / "pipelines" / "reindex-search.groovy").exists()
    assert b'"reindex-search"' not in (out / "dsl" / "jobsmith.json").read_bytes()


def test_spec_error_leaves_previous_output(jobs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    generate(jobs, out)
    before = _snapshot(out)
    (jobs / "broken.yaml").write_text("comand: x\n")
    with pytest.raises(SpecError):
        generate(jobs, out)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".jobsmith-lock-out", "jobs", "out"]


def test_failure_while_writing_leaves_previous_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with AtomicOutput(out, "manifest.json") as output:
        output.write("manifest.json", b"{}")
        output.write("dsl/a.groovy", b"old")
    before = _snapshot(out)
    with pytest.raises(RuntimeError), AtomicOutput(out, "manifest.json") as output:
        output.write("manifest.json", b"{}")
        output.write("dsl/a.groovy", b"new")
        raise RuntimeError("interrupted")
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".jobsmith-lock-out", "out"]


def test_stale_staging_from_a_killed_run_is_cleaned(jobs: Path, tmp_path: Path) -> None:
    stale = tmp_path / ".jobsmith-staging-out-99999"
    stale.mkdir()
    (stale / "junk").write_text("x")
    generate(jobs, tmp_path / "out")
    assert not stale.exists()


def test_refuses_to_replace_a_directory_that_is_not_output(jobs: Path, tmp_path: Path) -> None:
    precious = tmp_path / "home"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not jobsmith output"):
        generate(jobs, precious)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_parallel_workers_give_the_same_bytes(tmp_path: Path) -> None:
    from bench.generate import write_specs

    write_specs(tmp_path / "jobs", 600)
    (tmp_path / "jobs" / "team3" / "job350.yaml").write_text("comand: x\n")
    with pytest.raises(SpecError) as serial_error:
        generate(tmp_path / "jobs", tmp_path / "serial", workers=1)
    with pytest.raises(SpecError) as parallel_error:
        generate(tmp_path / "jobs", tmp_path / "parallel", workers=2)
    assert serial_error.value.render() == parallel_error.value.render()
    assert not (tmp_path / "parallel").exists()
    (tmp_path / "jobs" / "team3" / "job350.yaml").write_text("command: x\n")
    (tmp_path / "serial").mkdir()
    (tmp_path / "parallel").mkdir()
    generate(tmp_path / "jobs", tmp_path / "serial" / "out", workers=1)
    result = generate(tmp_path / "jobs", tmp_path / "parallel" / "out", workers=2)
    assert result.stats.written == 600 + 3
    serial = {k: v[1] for k, v in _snapshot(tmp_path / "serial").items()}
    parallel = {k: v[1] for k, v in _snapshot(tmp_path / "parallel").items()}
    serial.pop("out/dsl/jobsmith.groovy"), parallel.pop("out/dsl/jobsmith.groovy")
    manifests = [json.loads(d.pop("out/manifest.json")) for d in (serial, parallel)]
    assert manifests[0]["jobs"] == manifests[1]["jobs"]
    assert serial == parallel


def test_the_manifest_is_json_dumps_indented(jobs: Path, tmp_path: Path) -> None:
    # The workers encode the jobs' entries and the manifest is put together from them:
    # the bytes are those `json.dumps` gives the whole manifest.
    (jobs / "équipe" / "nächtlich").mkdir(parents=True)
    (jobs / "équipe" / "nächtlich" / "sauvegarde «db».yaml").write_text(
        'description: "€ \\\\ \\" \\t \\u2028"\ncommand: "true"\nalerts: {handlers: [a, b]}\n',
        encoding="utf-8")
    generate(jobs, tmp_path / "out")
    text = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert "équipe/nächtlich/sauvegarde «db»" in manifest["jobs"]
    assert text == json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_a_manifest_without_jobs_is_json_dumps_too() -> None:
    from jobsmith.generator.build import manifest_text

    manifest = {"folders": [], "jobs": {}, "zeta": {"jobs": {}}, "alpha": "\n  \"jobs\": {}"}
    assert manifest_text(manifest, {}) == json.dumps(manifest, indent=2, sort_keys=True,
                                                     ensure_ascii=False) + "\n"


@pytest.mark.parametrize("copy", ["kernel", "unsupported", "copies-nothing"])
def test_extents_are_written_as_their_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            copy: str) -> None:
    import errno
    import os

    from jobsmith.generator.output import Extent, write_chunks

    source = tmp_path / "source"
    source.write_bytes(bytes(range(256)) * 300)
    if copy == "unsupported":  # a kernel or file system without it: read and write instead
        def refuse(*args: object) -> int:
            raise OSError(errno.EXDEV, "cross-device")
        monkeypatch.setattr(os, "copy_file_range", refuse)
    elif copy == "copies-nothing":
        monkeypatch.setattr(os, "copy_file_range", lambda *args: 0)
    (tmp_path / "staging").mkdir()
    fd = os.open(source, os.O_RDONLY)
    try:
        pieces: list[bytes | Extent] = [b"head", Extent(fd, 7, 70000), b",", b"",
                                        Extent(fd, 0, 1), Extent(fd, 76799, 1), b"tail"]
        assert write_chunks(tmp_path / "staging", tmp_path / "none", "d/data", pieces)
    finally:
        os.close(fd)
    data = source.read_bytes()
    assert (tmp_path / "staging" / "d" / "data").read_bytes() == (
        b"head" + data[7:70007] + b"," + data[:1] + data[-1:] + b"tail")


def test_data_lines_follow_upstreams_first_whatever_the_path_order(tmp_path: Path) -> None:
    # Path order (by parts) differs from name order here ("a-b" before "a/..."), and
    # `after` moves jobs: the data's runs of lines break wherever the order leaves a spool.
    jobs = tmp_path / "jobs"
    (jobs / "a").mkdir(parents=True)
    for i in range(150):
        (jobs / "a" / f"j{i}.yaml").write_text(f"command: x {i}\n")
    (jobs / "a-b.yaml").write_text("command: y\nafter: [a/j149]\n")
    (jobs / "a" / "j3.yaml").write_text("command: x 3\nafter: [a/j120]\n")
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        generate(jobs, out, workers=workers)
        data = json.loads((out / "dsl" / "jobsmith.json").read_bytes())
        names = [job["name"] for job in data["jobs"]]
        assert len(names) == len(set(names)) == 151
        assert names.index("a/j149") < names.index("a-b")
        assert names.index("a/j120") < names.index("a/j3")
        assert names[:3] == ["a/j0", "a/j1", "a/j10"]
    assert (tmp_path / "out1" / "dsl" / "jobsmith.json").read_bytes() == (
        tmp_path / "out2" / "dsl" / "jobsmith.json").read_bytes()
