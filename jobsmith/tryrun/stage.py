"""One stage of a try: its workspace, checkout, environment and `sh -xe` step.

On Jenkins a stage's `sh` step is a durable task: `BourneShellScript.launchWithCookie`
(durable-task plugin) writes the script to `script.sh` in a control directory beside
the workspace and, for a script without `#!`, runs it with the agent's shell as
`sh -xe script.sh` in the workspace. A non-zero status fails the stage ("script
returned exit code N"); the pipeline's stage `timeout` aborts it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from jobsmith.generator.steps import GroupView, StageView
from jobsmith.spec.model import JobSpec
from jobsmith.tryrun.environment import build_variables, override
from jobsmith.tryrun.outputs import stash, unmatched, unstash

# What the pipeline's `timeout` step does to a step it ends: SIGTERM, then after
# durable-task's grace, SIGKILL.
KILL_GRACE = 5.0


@dataclass
class StageRun:
    """What every stage of one try shares."""

    job: JobSpec
    base_env: dict[str, str]
    secrets: dict[str, str]
    root: Path
    echo: Callable[[str], None]
    output: BinaryIO | None
    stashes: dict[str, Path] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The first failing part's `--record`, as the stages' `post { failure }` keep it
    # (`jobsmithFailed`) for the finish step's JOBSMITH_FAILED_PART.
    failed_part: str = ""

    def keep_record(self, view: StageView, workspace: Path) -> None:
        """`post { failure }`: `readFile(record)` once; the first failure wins, and a
        record that is not there leaves it to the next failure."""
        with self.lock:
            if self.failed_part == "":
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    self.failed_part = (workspace / view.record).read_text(encoding="utf-8")


def _checkout(run: StageRun, view: StageView, workspace: Path) -> bool:
    if view.checkout is None:
        return True
    checkout = view.checkout
    run.echo(f"jobsmith try: [{view.name}] git clone {checkout.git} (branch {checkout.branch})")
    if checkout.credentials:
        run.echo(f"jobsmith try: [{view.name}] with your own git credentials; "
                 f"{checkout.credentials!r} is a Jenkins credential, not used here")
    done = subprocess.run(["git", "clone", "--quiet", "--branch", checkout.branch,
                           checkout.git, str(workspace)], check=False)
    if done.returncode != 0:
        run.echo(f"jobsmith try: [{view.name}] checkout failed (git exit {done.returncode})")
    return done.returncode == 0


@dataclass
class _Started:
    view: StageView
    process: subprocess.Popen[bytes]
    pump: threading.Thread | None
    workspace: Path


def _start(run: StageRun, view: StageView, prefix: bool) -> _Started:
    workspace = Path(tempfile.mkdtemp(prefix="ws-", dir=run.root))
    control = Path(tempfile.mkdtemp(prefix="ws-tmp-", dir=run.root))
    if view.on_each:
        run.echo(f"jobsmith try: [{view.name}] on Jenkins this stage runs on every online "
                 f"agent matching {view.on_each!r}; here it runs once, locally")
    elif view.agent:
        run.echo(f"jobsmith try: [{view.name}] on Jenkins: an agent matching {view.agent!r}")
    if not _checkout(run, view, workspace):
        raise _CheckoutFailed
    with run.lock:
        missing = unstash(run.stashes, view, workspace)
    for name in missing:
        run.echo(f"jobsmith try: [{view.name}] the pipeline unstashes {name!r} here, from a "
                 "stage this try did not run; the step starts without those files")
    env = override({**run.base_env, **build_variables(run.job, workspace, view.name)},
                   view.env)
    env.update(run.secrets)  # withCredentials binds them inside withEnv
    run.echo(f"jobsmith try: [{view.name}] in {workspace}")
    process = sh_step(view.script, workspace, control, env, piped=prefix)
    if prefix:
        pump = threading.Thread(target=_pump, args=(process, view.name, run), daemon=True)
        pump.start()
        return _Started(view, process, pump, workspace)
    return _Started(view, process, None, workspace)


def sh_step(script: str, workspace: Path, control: Path, env: Mapping[str, str],
            piped: bool = False) -> subprocess.Popen[bytes]:
    """`sh(script)` as durable-task starts it: `sh -xe script.sh` in the workspace, in a
    process group of its own (so an abort reaches the whole tree)."""
    path = control / "script.sh"
    path.write_text(script + "\n", encoding="utf-8")
    return subprocess.Popen(["sh", "-xe", str(path)], cwd=workspace, env=dict(env),
                            stdout=subprocess.PIPE if piped else None,
                            stderr=subprocess.STDOUT if piped else None,
                            start_new_session=True)


class _CheckoutFailed(Exception):
    pass


def _pump(process: subprocess.Popen[bytes], name: str, run: StageRun) -> None:
    """A parallel branch's lines, each prefixed with its name as Jenkins' console does."""
    assert process.stdout is not None
    sink = run.output
    for line in process.stdout:
        data = f"[{name}] ".encode() + line
        with run.lock:
            if sink is not None:
                sink.write(data)
                sink.flush()
            else:
                os.write(1, data)


def stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _finish(run: StageRun, started: _Started, aborted: bool) -> str:
    view = started.view
    status = started.process.wait()
    if started.pump is not None:
        started.pump.join()
    if aborted:
        run.echo(f"jobsmith try: [{view.name}] ABORTED")
        return "ABORTED"
    if status != 0:
        run.echo(f"jobsmith try: [{view.name}] FAILURE: script returned exit code {status}")
        run.keep_record(view, started.workspace)
        return "FAILURE"
    with run.lock:
        problem = stash(run.stashes, view, started.workspace)
    if problem:
        run.echo(f"jobsmith try: [{view.name}] FAILURE: {problem}")
        run.keep_record(view, started.workspace)
        return "FAILURE"
    for pattern in unmatched(view, started.workspace):
        run.echo(f"jobsmith try: [{view.name}] note: the output {pattern} matched no file; "
                 "Jenkins' stash takes the others without a word, and later stages miss it")
    run.echo(f"jobsmith try: [{view.name}] SUCCESS")
    return "SUCCESS"


def run_stage(run: StageRun, view: StageView) -> str:
    run.echo(f"jobsmith try: stage {view.name!r}")
    try:
        started = _start(run, view, prefix=False)
    except _CheckoutFailed:
        return "FAILURE"
    process = started.process
    aborted = False
    try:
        process.wait(timeout=view.step_timeout)
    except subprocess.TimeoutExpired:
        run.echo(f"jobsmith try: [{view.name}] the stage's timeout of {view.step_timeout}s "
                 "passed; aborting it as Jenkins would")
        stop(process)
        aborted = True
    except BaseException:
        stop(process)
        raise
    return _finish(run, started, aborted)


def run_parallel(run: StageRun, group: GroupView) -> tuple[list[tuple[str, str]], str]:
    """The branches side by side; with `fail_fast`, the first failure aborts the rest.
    -> each branch's result, and the group's: a failed branch makes it FAILURE, also
    when the others were aborted because of it (`parallel` rethrows the failure)."""
    run.echo(f"jobsmith try: parallel {group.name!r}: "
             f"{', '.join(repr(b.name) for b in group.branches)}")
    started: list[_Started] = []
    results: dict[str, str] = {}
    for branch in group.branches:
        try:
            started.append(_start(run, branch, prefix=True))
        except _CheckoutFailed:
            results[branch.name] = "FAILURE"
    aborted: set[str] = set()
    stopped: set[str] = set()  # aborted by fail_fast, not by a timeout
    ended: list[str] = []  # the order the branches ended in, as their `post` blocks run
    lock = threading.Lock()

    def watch(branch: StageView, process: subprocess.Popen[bytes]) -> None:
        try:
            status = process.wait(timeout=branch.step_timeout)
        except subprocess.TimeoutExpired:
            with lock:
                aborted.add(branch.name)
            stop(process)
            status = -1
        with lock:
            ended.append(branch.name)
        if status != 0 and group.fail_fast:
            with lock:
                for other in started:
                    if other.view is not branch and other.process.poll() is None:
                        aborted.add(other.view.name)
                        stopped.add(other.view.name)
                        stop(other.process)

    watchers = [threading.Thread(target=watch, args=(s.view, s.process), daemon=True)
                for s in started]
    try:
        for watcher in watchers:
            watcher.start()
        for watcher in watchers:
            watcher.join()
    except BaseException:
        for one in started:
            stop(one.process)
        raise
    for one in sorted(started, key=lambda one: ended.index(one.view.name)):
        results[one.view.name] = _finish(run, one, one.view.name in aborted)
    outcomes = [(b.name, results[b.name]) for b in group.branches]
    counted = [result for name, result in outcomes if name not in stopped]
    for result in ("ABORTED", "FAILURE"):
        if result in counted:
            return outcomes, result
    return outcomes, "SUCCESS"
