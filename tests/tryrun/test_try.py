"""`jobsmith try` runs real jobs: real `sh -xe` steps through the real wrapper.

What it imitates, read from the sources: durable-task's `BourneShellScript` runs a
script without `#!` as `sh -xe script.sh` in the workspace; `hudson.EnvVars.override`
(used by `withEnv`) removes a variable whose value is empty; declarative pipelines skip
the stages after a failed one; `failFast` aborts the other branches of a parallel group.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from jobsmith.generator import render_job
from jobsmith.generator.groovy import groovy_string
from jobsmith.generator.render import missed_run_ttl
from jobsmith.generator.steps import StageView, finish_command, stage_views
from jobsmith.tryrun.runner import find_job
from tests.tryrun.helpers import JOBSMITH, run_try, write_spec


def test_parameters_env_and_build_variables_reach_the_step(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "team/report", """
parameters:
  - {name: WHO, type: string, default: world}
  - {name: FULL, type: boolean}
  - {name: MODE, type: choice, choices: [fast, slow]}
env: {GREETING: hi, EMPTY: ""}
command: 'echo "$GREETING $WHO full=$FULL mode=$MODE empty=${EMPTY-unset} url=$BUILD_URL";
  echo "job=$JOB_NAME try=$JOBSMITH_TRY"; pwd; echo "ws=$WORKSPACE"'
""")
    done = run_try(jobs, "team/report", "-p", "WHO=team", env={"EMPTY": "from-shell"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # Jenkins drops an empty withEnv value (and the shell's own EMPTY with it); the wrapper
    # sets it again from JOBSMITH_EMPTY_ENV, so the command sees it set but empty.
    assert lines[0].startswith("hi team full=false mode=fast empty= url=jobsmith-try://")
    assert lines[0].endswith("/team/report")
    assert lines[1] == "job=team/report try=1"
    assert lines[2] == lines[3].removeprefix("ws=")
    assert "SUCCESS (exit status 0)" in done.stderr


def test_each_step_runs_the_pipelines_command_line_through_the_wrapper(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "flaky", """
schedule: H 3 * * *
timeout: 30s
retries: {count: 1, backoff: 1s, on_exit_codes: [75]}
command: echo working; exit 75
""")
    done = run_try(jobs, "flaky", "--keep-workspace")
    job = find_job(jobs, "flaky")
    (view,) = stage_views(job)
    assert isinstance(view, StageView)
    # The scripts `sh -xe` ran are the generated pipeline's two `sh` steps, byte for
    # byte: the stage's, and the finish step's in `post { always }`.
    kept = Path(done.stderr.split("workspaces kept in ")[1].split()[0])
    ran = sorted(path.read_text() for path in kept.glob("ws-tmp-*/script.sh"))
    pipeline = render_job(job).pipeline
    steps = sorted(f"{script}\n" for script in (view.script, finish_command(
        job, missed_run_ttl(job))))
    assert ran == steps
    for script in steps:
        assert f"sh(script: {groovy_string(script.rstrip())}, label: " in pipeline
    assert view.script.startswith(
        "jobsmith run --job flaky --stage flaky --record .jobsmith/flaky.json"
        " --timeout 30s --retries 1 ")
    assert "jobsmith: attempt 2/2" in done.stderr  # the wrapper retried
    assert done.stdout == "working\nworking\n"
    assert "FAILURE: script returned exit code 75" in done.stderr
    assert done.returncode == 21  # FAILURE, as `jobsmith trigger --wait` reports it


def test_stages_run_in_order_and_a_failure_skips_the_rest(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "etl", """
stages:
  - {name: extract, command: echo one; test ! -e leftover; touch leftover}
  - {name: load, command: 'test ! -e leftover && echo two && exit 3'}
  - {name: report, command: echo three}
""")
    done = run_try(jobs, "etl")
    # A fresh workspace per stage: `leftover` does not carry over.
    assert done.stdout == "one\ntwo\n"
    assert "[load] FAILURE: script returned exit code 3" in done.stderr
    assert "stage 'report' skipped: an earlier stage failed" in done.stderr
    assert done.returncode == 21

    only = run_try(jobs, "etl", "--stage", "report")
    assert (only.returncode, only.stdout) == (0, "three\n")
    wrong = run_try(jobs, "etl", "--stage", "reprot")
    assert wrong.returncode == 2
    assert "no stage 'reprot'; did you mean 'report'?" in wrong.stderr


def test_parallel_branches_run_side_by_side(tmp_path: Path) -> None:
    # Each branch waits for the other's file: only concurrent branches both finish.
    meet = tmp_path / "meet"
    meet.mkdir()
    wait = "i=0; while [ ! -e {m}/{o} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done"
    jobs = write_spec(tmp_path, "pair", f"""
stages:
  - name: both
    parallel:
      - name: left
        command: touch {meet}/left; {wait.format(m=meet, o='right')}; test -e {meet}/right
      - name: right
        command: touch {meet}/right; {wait.format(m=meet, o='left')}; test -e {meet}/left
""")
    done = run_try(jobs, "pair")
    assert done.returncode == 0, done.stderr
    assert "[left] SUCCESS" in done.stderr and "[right] SUCCESS" in done.stderr


def test_fail_fast_aborts_the_other_branches(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "smoke", """
stages:
  - name: checks
    fail_fast: true
    parallel:
      - {name: broken, command: echo bad; exit 1}
      - {name: slow, command: exec sleep 600}
  - {name: after, command: echo never}
""")
    done = run_try(jobs, "smoke")
    assert "[broken] bad" in done.stdout
    assert "[broken] FAILURE" in done.stderr
    assert "[slow] ABORTED" in done.stderr
    assert "never" not in done.stdout
    # `parallel` rethrows the branch's failure: the build is FAILURE, not ABORTED.
    assert done.returncode == 21


def test_on_each_runs_once_here_and_says_so(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "fleet", """
stages:
  - {name: rotate, on_each: web && linux, command: echo rotated}
""")
    done = run_try(jobs, "fleet")
    assert done.stdout == "rotated\n"
    assert "every online agent matching 'web && linux'; here it runs once" in done.stderr


def test_credentials_come_from_local_variables(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "db", """
credentials:
  - {id: orders-db, username: DB_USER, password: DB_PASS}
command: echo "$DB_USER:$DB_PASS"
""")
    missing = run_try(jobs, "db", env={"DB_USER": "alice"})
    assert missing.returncode == 2
    assert "credential 'orders-db' is bound to DB_PASS: set it in the environment" in \
        missing.stderr
    given = run_try(jobs, "db", env={"DB_USER": "alice", "DB_PASS": "s3cret"})
    assert (given.returncode, given.stdout) == (0, "alice:s3cret\n")


def test_every_missing_credential_is_named_before_anything_runs(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    jobs = write_spec(tmp_path, "api", f"""
credentials:
  - {{id: orders-db, username: DB_USER, password: DB_PASS}}
  - {{id: api-token, variable: TOKEN}}
command: touch {ran}
""")
    done = run_try(jobs, "api", env={"DB_USER": "alice"})
    assert done.returncode == 2
    assert done.stderr.splitlines()[-2:] == [
        "credential 'orders-db' is bound to DB_PASS: set it in the environment to "
        "try this job here (jobsmith try takes credentials from local variables of the same "
        "names)",
        "credential 'api-token' is bound to TOKEN: set it in the environment to try this job "
        "here (jobsmith try takes credentials from local variables of the same names)"]
    assert not ran.exists()
    # An empty value is a value: Jenkins binds an empty secret too.
    empty = run_try(jobs, "api", env={"DB_USER": "alice", "DB_PASS": "", "TOKEN": "t"})
    assert empty.returncode == 0, empty.stderr
    assert ran.exists()


def test_no_alert_or_metric_unless_asked(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "quiet", """
command: echo "sensu=${JOBSMITH_SENSU-unset} statsd=${JOBSMITH_STATSD-unset}"
""")
    # A port nothing listens on: the wrapper would only note a failed delivery.
    env = {"JOBSMITH_SENSU": "tcp://127.0.0.1:9", "JOBSMITH_STATSD": "127.0.0.1:9",
           "JOBSMITH_OUTBOX": str(tmp_path / "outbox")}
    done = run_try(jobs, "quiet", env=env)
    assert done.stdout == "sensu=unset statsd=unset\n"
    asked = run_try(jobs, "quiet", "--send-alerts", env=env)
    assert asked.stdout == "sensu=tcp://127.0.0.1:9 statsd=unset\n"


def test_checkout_into_the_workspace(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "run.sh").write_text("#!/bin/sh\necho from the checkout\n")
    (repo / "run.sh").chmod(0o755)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "run.sh"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    jobs = write_spec(tmp_path, "checked", f"""
checkout: {{git: "file://{repo}"}}
command: ./run.sh
""")
    done = run_try(jobs, "checked")
    assert (done.returncode, done.stdout) == (0, "from the checkout\n"), done.stderr


def test_an_unknown_job_or_parameter_is_a_usage_error(tmp_path: Path) -> None:
    jobs = write_spec(tmp_path, "team/report", "parameters: [{name: FULL, type: boolean}]\n"
                                          "command: 'true'\n")
    assert "did you mean team/report?" in run_try(jobs, "team/reprot").stderr
    bad = run_try(jobs, "team/report", "-p", "FULL=yes")
    assert bad.returncode == 2
    assert "parameter FULL is a boolean: use true or false, not 'yes'" in bad.stderr


def test_ctrl_c_aborts_the_build_and_leaves_no_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    jobs = write_spec(tmp_path, "long", f"""
stages:
  - {{name: wait, command: 'echo $$ > {pid_file}; echo started; exec sleep 600'}}
  - {{name: after, command: echo never}}
""")
    base = {k: v for k, v in os.environ.items() if not k.startswith("JOBSMITH_")}
    process = subprocess.Popen([JOBSMITH, "try", "long", "--specs", str(jobs)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=base)
    assert process.stdout is not None
    assert process.stdout.readline() == "started\n"  # the step runs, its pid written
    step = int(pid_file.read_text())
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 22, err  # ABORTED
    assert "never" not in out
    assert "interrupted; the running step was stopped" in err
    assert not Path(f"/proc/{step}").exists()
