"""`jobsmith run` end to end: alerts to the fake Sensu, the outbox, start-up imports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.ports import refused_port
from tests.wrapper.conftest import run_wrapper
from tests.wrapper.fake_sensu import FakeSensu


def test_an_alert_per_run_with_every_field_and_secrets_masked(
    fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    env = dict(
        wrapper_env,
        JOBSMITH_SENSU=fake_sensu.tcp_url,
        JOBSMITH_MASK="DB_PASS,API_TOKEN",
        DB_PASS="hunter2",
        API_TOKEN="tok-123",
        BUILD_URL="https://ci.example.com/job/data/job/backup/7/",
    )
    script = 'echo "connecting with $DB_PASS"; echo "token=$API_TOKEN" >&2; exit 3'
    result = run_wrapper(
        [
            "--job",
            "data/backup",
            "--ttl",
            "25h",
            "--alert-handlers",
            "mail,pager",
            "--",
            "sh",
            "-c",
            script,
        ],
        env,
    )
    assert result.returncode == 3
    assert result.stdout == b"connecting with hunter2\n"  # the command's own output is untouched
    (check,) = fake_sensu.wait_for(1)
    assert check["name"] == "jobsmith.data.backup"
    assert check["status"] == 2
    assert check["output"].splitlines() == [
        check["output"].splitlines()[0],
        "connecting with ****",
        "token=****",
    ]
    assert check["output"].startswith("data/backup failed (exit 3) after 1 attempt in ")
    assert "hunter2" not in json.dumps(check) and "tok-123" not in json.dumps(check)
    assert check["ttl"] == 90000
    assert check["handlers"] == ["mail", "pager"]
    assert check["source"] == "jobsmith"  # one check per job, whichever agent runs it
    assert check["host"] == os.uname().nodename
    assert check["job"] == "data/backup"
    assert (check["exit_code"], check["attempts"]) == (3, 1)
    assert check["build_url"] == "https://ci.example.com/job/data/job/backup/7/"
    assert isinstance(check["executed"], int) and isinstance(check["duration"], float)


@pytest.mark.parametrize("scheme", ["udp", "http"])
def test_success_and_slow_success_over_udp_and_http(
    scheme: str, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env, JOBSMITH_SENSU=getattr(fake_sensu, f"{scheme}_url"))
    assert run_wrapper(["--job", "quick", "--", "true"], env).returncode == 0
    slow = ["--job", "slow", "--max-duration", "0.1s", "--", "sleep", "0.3"]
    assert run_wrapper(slow, env).returncode == 0
    first, second = fake_sensu.wait_for(2)
    if scheme == "http":
        first, second = first["check"], second["check"]
        assert first["metadata"]["name"] == "jobsmith.quick"
    assert (first["status"], second["status"]) == (0, 1)
    assert "but took longer than 0.1s" in second["output"]


def test_unreachable_sensu_fills_the_outbox_and_the_next_run_drains_it(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    down = dict(
        wrapper_env, JOBSMITH_SENSU=f"tcp://127.0.0.1:{refused_port()}", JOBSMITH_OUTBOX=str(outbox)
    )
    result = run_wrapper(["--job", "first", "--", "sh", "-c", "exit 1"], down)
    assert result.returncode == 1  # the job's status, whatever happened to the alert
    assert b"alert stored in" in result.stderr
    assert len([name for name in os.listdir(outbox) if name.endswith(".json")]) == 1

    sensu = FakeSensu()
    try:
        up = dict(down, JOBSMITH_SENSU=sensu.tcp_url)
        result = run_wrapper(["--job", "second", "--", "true"], up)
        assert result.returncode == 0
        assert b"sent 1 stored alert(s) from the outbox" in result.stderr
        names = [check["name"] for check in sensu.wait_for(2)]
        assert names == ["jobsmith.second", "jobsmith.first"]  # its own first, then the outbox
    finally:
        sensu.close()
    # Only the hidden ledger of what was sent (jobsmith/wrapper/ledger.py) stays.
    assert [name for name in os.listdir(outbox) if name not in ("rejected", ".sent")] == []


def test_concurrent_runs_sharing_an_outbox_lose_nothing(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    down = dict(
        wrapper_env, JOBSMITH_SENSU=f"tcp://127.0.0.1:{refused_port()}", JOBSMITH_OUTBOX=str(outbox)
    )
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(
            pool.map(lambda n: run_wrapper(["--job", f"down-{n}", "--", "true"], down), range(6))
        )
    assert all(result.returncode == 0 for result in results)
    assert len([name for name in os.listdir(outbox) if name != ".sent"]) == 6

    sensu = FakeSensu()
    try:
        up = dict(down, JOBSMITH_SENSU=sensu.tcp_url)
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(
                pool.map(lambda n: run_wrapper(["--job", f"up-{n}", "--", "true"], up), range(4))
            )
        assert all(result.returncode == 0 for result in results)
        names = sorted(check["name"] for check in sensu.wait_for(10))
    finally:
        sensu.close()
    expected = sorted(
        [f"jobsmith.down-{n}" for n in range(6)] + [f"jobsmith.up-{n}" for n in range(4)]
    )
    assert names == expected  # each exactly once
    assert os.listdir(outbox) == [".sent"]  # the ledger (jobsmith/wrapper/ledger.py)


def test_a_silent_sensu_holds_the_job_at_most_the_budget(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, never answers
        env = dict(
            wrapper_env,
            JOBSMITH_SENSU=f"tcp://127.0.0.1:{server.getsockname()[1]}",
            JOBSMITH_OUTBOX=str(tmp_path),
        )
        result = run_wrapper(["--job", "x", "--", "true"], env, timeout=20)
    assert result.returncode == 0
    # Written but unanswered: not stored for a second sending (see test_alerts.py).
    assert b"did not answer in time; not sent again" in result.stderr
    assert not list(tmp_path.glob("*.json"))


IMPORT_PROBE = """
import sys
from jobsmith.cli import main
try:
    main(["run", *sys.argv[1:]])
except SystemExit as done:
    code = done.code
# `signal` builds enums (milliseconds); the wrapper uses `_signal`. `ctypes`: `_ctypes`.
heavy = ["click", "jinja2", "requests", "yaml", "pydantic", "jenkins", "signal", "ctypes"]
if sys.flags.no_site:
    # A step without metrics and alerts (`socket` needs `enum`) does without these too:
    # `re` and `enum` take a third of a start-up, `json` imports `re`, `__future__` is
    # a tenth of a millisecond; the outbox drain is a command of its own.
    heavy += ["re", "enum", "json", "__future__", "socket", "jobsmith.wrapper.drain"]
print(code, ",".join(sorted(name for name in heavy if name in sys.modules)))
"""


@pytest.mark.parametrize("with_sinks", [False, True])
@pytest.mark.parametrize("stage", [False, True])
def test_the_run_path_imports_no_heavy_module(
    with_sinks: bool, stage: bool, fake_sensu: FakeSensu, tmp_path: Path,
    wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env)
    python = [sys.executable]
    if with_sinks:
        env.update(
            JOBSMITH_SENSU=fake_sensu.http_url,
            JOBSMITH_STATSD=f"127.0.0.1:{refused_port(socket.SOCK_DGRAM)}",
            JOBSMITH_OUTBOX=str(tmp_path),
        )
    else:
        # Without `site`, so without the development venv's import hook (it imports `re`
        # and more itself): the package from the source tree, and the standard library.
        python.append("-S")
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    # A step as the generated pipelines write it (tests/test_generated_commands.py).
    args = ["--job", "probe", "--timeout", "5s", "--retries", "1", "--backoff", "30s"]
    if stage:
        args += ["--stage", "build", "--record", str(tmp_path / "build.json")]
    result = subprocess.run(
        [*python, "-c", IMPORT_PROBE, *args, "--", "true"], env=env,
        capture_output=True, check=True, timeout=60,
    )
    assert result.stdout == b"0 \n"
    if stage:
        assert json.loads((tmp_path / "build.json").read_text())["exit_code"] == 0


def test_help_and_the_click_listing(wrapper_env: dict[str, str]) -> None:
    result = run_wrapper(["--help"], wrapper_env)
    assert result.returncode == 0
    assert result.stdout.startswith(b"usage: jobsmith run --job FULL_NAME")
    for option in (
        b"--timeout",
        b"--kill-after",
        b"--retries",
        b"--backoff",
        b"--max-backoff",
        b"--retry-on",
        b"--max-duration",
        b"--ttl",
        b"--alert-handlers",
    ):
        assert option in result.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "jobsmith", "--help"],
        env=wrapper_env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert b"run" in listing.stdout


def test_the_click_command_forwards_raw_arguments(wrapper_env: dict[str, str]) -> None:
    from click.testing import CliRunner

    from jobsmith.cli.run import run

    outcome = CliRunner().invoke(run, ["--job", "x", "--retries", "0", "--", "sh", "-c", "exit 4"])
    assert outcome.exit_code == 4
    outcome = CliRunner().invoke(run, ["--job", "x", "--bogus", "--", "true"])
    assert outcome.exit_code == 125
