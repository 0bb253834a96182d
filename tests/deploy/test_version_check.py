"""Generated pipelines name the jobsmith release they need (`jobsmith run --requires
VERSION`), and an older wrapper fails such a step at once: exit status 125, with a
message naming both versions, and without running the command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobsmith import __version__
from jobsmith.cli.app import cli

ROOT = Path(__file__).resolve().parents[2]
JOBSMITH = str(Path(sys.executable).parent / "jobsmith")


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    marker = tmp_path / "ran"
    return subprocess.run([JOBSMITH, "run", "--job", "data/backup", *args, "--",
                           "touch", str(marker)], capture_output=True, text=True,
                          timeout=60, check=False)


def _newer(version: str) -> str:
    major, rest = version.split(".", 1)
    return f"{int(major) + 1}.{rest}"


def test_an_older_wrapper_exits_125_naming_both_versions(tmp_path: Path) -> None:
    wanted = _newer(__version__)
    result = _run("--requires", wanted, tmp_path=tmp_path)
    assert result.returncode == 125
    assert (f"this step needs jobsmith {wanted} or newer" in result.stderr
            and f"this agent runs jobsmith {__version__}" in result.stderr), result.stderr
    assert not (tmp_path / "ran").exists()


def test_the_version_wins_over_options_the_older_wrapper_does_not_know(tmp_path: Path) -> None:
    wanted = _newer(__version__)
    result = _run(f"--requires={wanted}", "--some-future-option", "x", tmp_path=tmp_path)
    assert result.returncode == 125
    assert f"needs jobsmith {wanted} or newer" in result.stderr, result.stderr


@pytest.mark.parametrize("wanted", [__version__, "0.0.1", "0.1"])
def test_a_wrapper_as_new_or_newer_runs_the_step(tmp_path: Path, wanted: str) -> None:
    result = _run("--requires", wanted, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "ran").exists()


def test_a_version_that_is_none_is_a_usage_error(tmp_path: Path) -> None:
    result = _run("--requires", "latest", tmp_path=tmp_path)
    assert result.returncode == 125 and "'latest' is not a jobsmith version" in result.stderr


def test_every_generated_step_names_this_release(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", str(ROOT / "examples" / "jobs"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    steps = [line for path in sorted((out / "pipelines").rglob("*.groovy"))
             for line in path.read_text().splitlines() if "jobsmith run " in line]
    assert steps
    # A step (`... --requires V -- COMMAND`) or the build's finish step (`--requires V
    # --finish ...`, no command).
    pattern = re.compile(
        rf"jobsmith run --job \S+ .*--requires {re.escape(__version__)} (-- |--finish )")
    for line in steps:
        assert pattern.search(line), line
