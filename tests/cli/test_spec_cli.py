"""`jobsmith validate`, `generate`, `schema` through the click runner and the real script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from jobsmith.cli.app import cli

EXAMPLES = Path(__file__).parents[2] / "examples" / "jobs"


def test_validate_ok() -> None:
    result = CliRunner().invoke(cli, ["validate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "10 jobs in 3 folders" in result.output


def test_validate_reports_errors_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("command: x\ntimeout: soon\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert f"{tmp_path}/bad.yaml:2:10: `timeout`: 'soon' is not a duration" in result.output
    assert "^" in result.output


def test_default_spec_root_is_jobs(tmp_path: Path, monkeypatch) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "jobs")
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 0


def test_generate_writes_output_and_nothing_on_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", str(EXAMPLES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["jobs"]) >= {"data/nightly-backup", "reindex-search"}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.yaml").write_text("\0\0binary")
    result = CliRunner().invoke(cli, ["generate", str(bad), "-o", str(tmp_path / "out2")])
    assert result.exit_code == 2
    assert not (tmp_path / "out2").exists()


def test_schema_is_json_schema_of_every_key() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    schema = json.loads(result.output)
    assert schema["additionalProperties"] is False
    assert {"schedule", "command", "stages", "retries", "timeout"} <= set(schema["properties"])


def test_schema_validates_the_examples() -> None:
    import jsonschema
    import yaml

    schema = json.loads(CliRunner().invoke(cli, ["schema"]).output)
    for path in EXAMPLES.rglob("*.yaml"):
        if path.name != "_defaults.yaml":
            jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_console_script_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "jobsmith", "--help"],
                            capture_output=True, text=True, check=True)
    for command in ("validate", "generate", "schema", "run", "cron", "deploy"):
        assert command in result.stdout


def test_the_generate_program_flushes_its_output_and_keeps_its_exit_status(
        tmp_path: Path) -> None:
    # The program ends with os._exit once click returns (jobsmith/cli/__init__.py): what
    # it printed must still come out through pipes, with the status click gave.
    command = [sys.executable, "-m", "jobsmith", "generate"]
    done = subprocess.run([*command, str(EXAMPLES), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"{tmp_path / 'out'}: 10 jobs, ")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.yaml").write_text("comand: x\n")
    failed = subprocess.run([*command, str(tmp_path / "bad"), "-o", str(tmp_path / "out2")],
                            capture_output=True, text=True, check=False)
    assert (failed.returncode, failed.stdout) == (2, "")
    assert failed.stderr.startswith(f"{tmp_path / 'bad' / 'x.yaml'}:1:1: unknown key 'comand'")
    assert failed.stderr.endswith("\n1 problem found\n")
    usage = subprocess.run([*command, "--bogus"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "No such option '--bogus'" in usage.stderr
