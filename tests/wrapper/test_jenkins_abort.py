"""A Jenkins abort as durable-task performs it, against the real wrapper process.

On abort, `FileMonitoringTask.FileMonitoringController.stop` calls `launcher.kill` with
the build's `JENKINS_SERVER_COOKIE`; core's `ProcessTree.killAll` ->
`UnixProcess.killRecursively` SIGTERMs the children first, each waited for (until its
/proc entry is gone, all within `SoftKillWaitSeconds`, 5 s), then the parent. So the
command dies of SIGTERM before the wrapper receives its own. The wrapper must report the
step as stopped: no retry, no failure counted, no critical alert, exit 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobsmith.wrapper.alerts import STATUS_WARNING
from jobsmith.wrapper.deadline import DELIVERY_SECONDS
from jobsmith.wrapper.options import DEFAULT_KILL_AFTER
from jobsmith.wrapper.runner import STOP_GRACE
from tests.wrapper.conftest import StatsdDaemon, alive
from tests.wrapper.fake_sensu import FakeSensu
from tests.wrapper.test_metrics import wait_for_counter

# workflow-durable-task-step `DurableTaskStep.Execution.stop` gives the process
# REMOTE_TIMEOUT (20 s) before it fails the step regardless ("After 20s process did
# not stop").
DURABLE_TASK_STOP_WINDOW = 20.0
SOFT_KILL_WAIT = 5.0  # hudson.util.ProcessTree: Integer.getInteger("SoftKillWaitSeconds", 5)


def _start(tmp_path: Path, env: dict[str, str],
           command: str) -> tuple[subprocess.Popen[bytes], int]:
    pid_file = tmp_path / "pid"
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "jobsmith", "run", "--job", "team/abortable", "--retries", "3",
         "--backoff", "0.01s", "--", "sh", "-c", f"echo $$ > {pid_file}; exec {command}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    end = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text().strip()):
        assert time.monotonic() < end and wrapper.poll() is None, wrapper.stderr
        time.sleep(0.02)
    return wrapper, int(pid_file.read_text())


def _kill_like_jenkins(wrapper: subprocess.Popen[bytes], child: int) -> None:
    """Children first, each until it is gone, then the parent (killRecursively)."""
    os.kill(child, signal.SIGTERM)
    end = time.monotonic() + SOFT_KILL_WAIT
    while alive(child) and time.monotonic() < end:
        time.sleep(0.01)
    assert not alive(child)
    wrapper.send_signal(signal.SIGTERM)


def test_child_killed_first_is_a_stop_not_a_failure(
    tmp_path: Path, statsd_daemon: StatsdDaemon, fake_sensu: FakeSensu,
    wrapper_env: dict[str, str],
) -> None:
    env = dict(wrapper_env, JOBSMITH_STATSD=statsd_daemon.address,
               JOBSMITH_SENSU=fake_sensu.tcp_url)
    wrapper, child = _start(tmp_path, env, "sleep 60")
    _kill_like_jenkins(wrapper, child)
    _, stderr = wrapper.communicate(timeout=60)
    text = stderr.decode()
    assert wrapper.returncode == 143, text
    assert "attempt 2/4" not in text  # never retried
    assert "stopped by signal 15" in text
    counters = wait_for_counter(statsd_daemon, "jobsmith.team.abortable.runs", 1)
    assert counters["jobsmith.team.abortable.failure"] == 0
    assert counters["jobsmith.team.abortable.retries"] == 0
    (check,) = fake_sensu.wait_for(1)
    assert check["status"] == STATUS_WARNING  # not critical: nobody is paged


def test_a_sigterm_from_elsewhere_is_still_a_failure(tmp_path: Path,
                                                     wrapper_env: dict[str, str]) -> None:
    """Only a stop of the wrapper itself makes a signal death a stop: without one within
    the grace, the attempt failed and the retry policy applies."""
    wrapper, child = _start(tmp_path, dict(wrapper_env), "sleep 60")
    os.kill(child, signal.SIGTERM)
    pid_file = tmp_path / "pid"
    end = time.monotonic() + 60
    while pid_file.read_text().strip() in ("", str(child)):  # the retry writes its own pid
        assert time.monotonic() < end and wrapper.poll() is None
        time.sleep(0.05)
    wrapper.send_signal(signal.SIGTERM)
    _, stderr = wrapper.communicate(timeout=60)
    text = stderr.decode()
    assert "attempt 2/4" in text and "after signal 15" in text, text
    assert wrapper.returncode == 143


def test_kill_after_fits_the_durable_task_window() -> None:
    """The wrapper, told to stop, is done (tree killed, metrics and alert delivered or
    stored) within the 20 s durable-task gives the step: kill-after + delivery."""
    assert DEFAULT_KILL_AFTER + DELIVERY_SECONDS < DURABLE_TASK_STOP_WINDOW
    assert STOP_GRACE == SOFT_KILL_WAIT
