"""`GenerateAhead`: the tree walked and the seed script rendered in a forked helper give
exactly what `discover` and `seed_script` give here, and whatever happens to the helper
(it raises, it is killed, it is left blocked) the results are still theirs, errors
included, and no helper is left.
The helpers are held with pipes, not timing: the test's own `discover` stand-in blocks
only in the helper (a different pid) until the test lets it go."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jobsmith.errors import SpecError
from jobsmith.generator import ahead as ahead_module
from jobsmith.generator.ahead import GenerateAhead
from jobsmith.generator.seed_template import seed_script
from jobsmith.spec.jobfiles import Discovery, discover, folders_of

SPEC = "command: echo hi\n"
OUT = Path("some/out")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "jobs"
    for relative in ("a.yaml", "team/b.yaml", "team/deep/c.yml", "team/_defaults.yaml",
                     "bad:name.yaml", "twice.yaml", "twice.yml", "_reserved.yaml",
                     "team.yaml", "x-y.yaml", "x_y.yaml"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(SPEC)
    return root


def test_the_helpers_discovery_is_discovers(tree: Path) -> None:
    here = discover(tree)
    assert here.problems and len(here.files) > 3  # names, duplicates, reserved, collisions
    with GenerateAhead(tree, OUT) as ahead:
        found = ahead.discovery()
        script = ahead.script()
        folders = ahead.folders(found)
        assert ahead.folders(here) == folders  # not the helper's: made here
    assert found == here
    assert script == seed_script(OUT)
    assert folders == folders_of(here.full_names) == ["team", "team/deep"]
    assert [spec.path for spec in found.files] == [Path(spec.display) for spec in here.files]


def test_a_root_that_is_no_directory_is_discovers_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as expected:
        discover(tmp_path / "missing")
    with GenerateAhead(tmp_path / "missing", OUT) as ahead, pytest.raises(SpecError) as raised:
        ahead.discovery()
    assert str(raised.value) == str(expected.value)


def _held(monkeypatch: pytest.MonkeyPatch, then: Callable[[Path], Discovery]) -> int:
    """Make the helper's `discover` wait for a byte on a pipe, then call `then`; the
    write end of that pipe (this process's `discover` is the real one)."""
    wait, release = os.pipe()
    test = os.getpid()

    def held(root: Path) -> Discovery:
        if os.getpid() == test:
            return discover(root)
        os.close(release)
        os.read(wait, 1)
        return then(root)

    monkeypatch.setattr(ahead_module, "discover", held)
    return release


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The pids of the helpers started in the test."""
    pids: list[int] = []
    start = GenerateAhead.__init__

    def recorded(self: GenerateAhead, root: Path, out: Path) -> None:
        start(self, root, out)
        assert self._pid is not None
        pids.append(self._pid)

    monkeypatch.setattr(GenerateAhead, "__init__", recorded)
    yield pids
    assert all(_gone(pid) for pid in pids)


def test_a_helper_killed_before_it_answers(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                           helpers: list[int]) -> None:
    release = _held(monkeypatch, discover)
    with GenerateAhead(tree, OUT) as ahead:
        os.kill(helpers[0], signal.SIGKILL)
        found = ahead.discovery()
        script = ahead.script()
        folders = ahead.folders(found)
    os.close(release)
    assert found == discover(tree)
    assert script == seed_script(OUT)
    assert folders == folders_of(found.full_names)


def test_a_helper_that_raises(tree: Path, monkeypatch: pytest.MonkeyPatch,
                              helpers: list[int]) -> None:
    def fails(root: Path) -> Discovery:
        raise OSError("only in the helper")

    release = _held(monkeypatch, fails)
    with GenerateAhead(tree, OUT) as ahead:
        os.write(release, b"x")
        found = ahead.discovery()
    os.close(release)
    assert found == discover(tree)


def test_a_helper_whose_result_cannot_be_sent(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                              helpers: list[int]) -> None:
    def unpicklable(root: Path) -> Discovery:
        found = discover(root)
        found.problems.append(lambda: None)  # type: ignore[arg-type]
        return found

    release = _held(monkeypatch, unpicklable)
    with GenerateAhead(tree, OUT) as ahead:
        os.write(release, b"x")
        found = ahead.discovery()
    os.close(release)
    assert found == discover(tree)


def test_leaving_early_reaps_a_blocked_helper(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                              helpers: list[int]) -> None:
    release = _held(monkeypatch, discover)
    with pytest.raises(KeyboardInterrupt), GenerateAhead(tree, OUT):
        raise KeyboardInterrupt
    os.close(release)
    assert _gone(helpers[0])
    ahead = GenerateAhead(tree, OUT)
    ahead.close()  # closed before it was asked: everything is made here
    assert ahead.discovery() == discover(tree)
    assert ahead.script() == seed_script(OUT)


def test_the_helper_forks_from_a_small_process() -> None:
    """What `generate` forks the helper from holds the standard library and the light
    modules only (the model, YAML and the renderer are imported meanwhile)."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, jobsmith.cli.spec, jobsmith.generator.ahead; "
                               "print(' '.join(sorted(sys.modules)))"],
        check=True, capture_output=True, text=True).stdout.split()
    heavy = [name for name in loaded if name.split(".")[0] in ("pydantic", "yaml", "jinja2")
             or name in ("jobsmith.spec.model", "jobsmith.spec.tree", "jobsmith.generator.build",
                         "jobsmith.generator.render")]
    assert heavy == []


def test_the_generate_command_never_loads_jinja2(tmp_path: Path) -> None:
    """The helper renders the seed script: the command's own process has no use for
    jinja2, and a change that imports it on the way would cost every run its import."""
    root = Path(__file__).parents[2] / "examples" / "jobs"
    run = ("import sys; from jobsmith.cli.app import cli; "
           f"cli.main(['generate', {str(root)!r}, '-o', {str(tmp_path / 'out')!r}], "
           "standalone_mode=False); print('jinja2' in sys.modules)")
    shown = subprocess.run([sys.executable, "-c", run], check=True, capture_output=True,
                           text=True).stdout.split("\n")
    assert shown[-2:] == ["False", ""]
    assert (tmp_path / "out" / "dsl" / "jobsmith.groovy").read_text() == seed_script(
        tmp_path / "out")


def test_generate_gives_the_same_bytes_with_the_discovery_ahead(tmp_path: Path) -> None:
    from jobsmith.generator import generate

    root = Path(__file__).parents[2] / "examples" / "jobs"
    out = tmp_path / "out"

    def files() -> dict[str, bytes]:
        return {str(path.relative_to(out)): path.read_bytes()
                for path in sorted(out.rglob("*")) if path.is_file()}

    generate(root, out)
    plain = files()
    for path in out.rglob("*"):  # written again, not found unchanged
        if path.is_file():
            path.write_bytes(b"")
    with GenerateAhead(root, out) as ahead:
        generate(root, out, ahead=ahead)
    assert files() == plain
