"""`jobsmith run --drain`: the outbox delivered without a job run, as the deploy kit's
timer does every 10 s on each agent (jobsmith/wrapper/drain.py).

Why it exists: Sensu 1.x sweeps its stored results for expired TTLs from 30 s after it starts
(`setup_check_result_monitor(interval=30)`: an `EM::PeriodicTimer`, whose first tick is
one interval after it is made; `determine_stale_check_results` then
`create_check_ttl_results`, sensu `lib/sensu/server/process.rb`), so after an outage of
Sensu the results waiting in outboxes must reach it sooner than the next job run.

Every case is a real `jobsmith run --drain` process against the strict fake Sensu (1.x
TCP client socket, Sensu Go agent API), with the outbox made as runs make it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsmith.wrapper.drain import boot_time
from jobsmith.wrapper.ledger import Ledger
from jobsmith.wrapper.outbox import Outbox
from tests.support.disk import fill_up
from tests.support.ports import refused_port
from tests.wrapper.conftest import run_wrapper
from tests.wrapper.fake_sensu import FakeSensu

NOW = int(time.time())
TTL = 7200  # the stored results are all within their TTL unless a test says otherwise


def result(job: str, executed: int, build: int, status: int = 0) -> dict[str, object]:
    """A build-level result as the finish step stores it (jobsmith/wrapper/finish.py)."""
    return {"name": f"jobsmith.{job}", "status": status, "output": f"{job} #{build}\n",
            "source": "jobsmith", "executed": executed, "duration": 30, "ttl": TTL,
            "job": job, "build": build, "outcome": "success" if status == 0 else "failure"}


def store(outbox: Path, *checks: dict[str, object]) -> None:
    """Store `checks` in this order, as runs that could not reach Sensu do (`Outbox.put`)."""
    for check in checks:
        Outbox(str(outbox)).put(check)


def env_for(base: dict[str, str], url: str, outbox: Path) -> dict[str, str]:
    return dict(base, JOBSMITH_SENSU=url, JOBSMITH_OUTBOX=str(outbox))


def url(fake: FakeSensu, scheme: str) -> str:
    return fake.tcp_url if scheme == "tcp" else fake.http_url


def delivered(fake: FakeSensu) -> list[tuple[str, int]]:
    """(job, build) of each result the fake accepted, in order (1.x or Go form)."""
    out = []
    for value in fake.accepted:
        if "check" in value:  # a Sensu Go event: jobsmith's fields are labels
            labels = value["check"]["metadata"]["labels"]
            out.append((labels["job"], int(labels.get("build", 0))))
        else:
            out.append((value["job"], value.get("build", 0)))  # a bare run has none
    return out


def waiting(outbox: Path) -> list[str]:
    """What still waits to be sent (the top level of the outbox, claims included)."""
    return sorted(name for name in os.listdir(outbox) if not name.startswith(".")
                  and (name.endswith(".json") or ".sending-" in name))


def history(outbox: Path) -> list[tuple[str, int]]:
    folder = outbox / "superseded"
    if not folder.exists():
        return []
    return sorted((json.loads(path.read_text())["job"], json.loads(path.read_text())["build"])
                  for path in folder.iterdir())


# The drain keeps back, as history, what a build stored before this machine started
# (`boot_time`: /proc/stat's btime). A fresh machine, as CI's is, has been up for a few
# minutes when these tests run: less than the stored results here are old. So each drain
# is the real `jobsmith run --drain` process with only `boot_time` answering otherwise: a
# day before NOW, or the boot a test gives.
BOOTED = NOW - 86_400
_DRAIN = ("import sys; import jobsmith.wrapper.drain as drain; booted = float(sys.argv.pop(1)); "
          "drain.boot_time = lambda: booted; from jobsmith.cli import main; main()")


def drain(env: dict[str, str], *args: str,
          booted: float = BOOTED) -> subprocess.CompletedProcess[bytes]:
    """`jobsmith run --drain ARGS` in a new process, on a machine that started at `booted`."""
    return subprocess.run([sys.executable, "-c", _DRAIN, str(booted), "run", "--drain", *args],
                          env=env, capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_the_drain_delivers_the_backlog_oldest_first_and_only_the_newest_per_check(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str], scheme: str
) -> None:
    outbox = tmp_path / "outbox"
    store(outbox, result("c", NOW - 400, 7), result("a", NOW - 300, 1),
          result("b", NOW - 200, 4), result("a", NOW - 100, 2))
    done = drain(env_for(wrapper_env, url(fake_sensu, scheme), outbox))
    assert (done.returncode, waiting(outbox)) == (0, []), done.stderr
    # a #1 is older than a #2, which waits in the same outbox: history, never current.
    assert delivered(fake_sensu) == [("c", 7), ("b", 4), ("a", 2)]
    assert history(outbox) == [("a", 1)]
    assert b"sent 3 stored alert(s) from the outbox" in done.stderr
    # Sent late, a 1.x result's TTL counts from its arrival (ledger.replayed), as Go's.
    if scheme == "tcp":
        assert all(check["ttl"] >= TTL + 100 - 30 for check in fake_sensu.accepted)


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_a_stored_result_older_than_one_this_agent_sent_is_never_sent(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str], scheme: str
) -> None:
    """The ledger of the job runs holds for the drain: a bare run delivers job `a` now;
    an older result of `a` stored before (its run could not reach Sensu) stays history."""
    outbox = tmp_path / "outbox"
    env = env_for(wrapper_env, url(fake_sensu, scheme), outbox)
    assert run_wrapper(["--job", "a", "--", "true"], env).returncode == 0
    assert len(fake_sensu.wait_for(1)) == 1
    store(outbox, result("a", NOW - 3600, 9), result("b", NOW - 60, 3))
    done = drain(env)
    assert done.returncode == 0, done.stderr
    assert delivered(fake_sensu)[1:] == [("b", 3)]
    assert history(outbox) == [("a", 9)]
    assert b"an older result of jobsmith.a was not sent" in done.stderr


def test_results_of_builds_that_ended_before_this_agent_started_are_kept_as_history(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    """While the agent was down nobody could drain its outbox, and other agents went on
    delivering: what it stored before may be older than what Sensu holds now."""
    booted = NOW - 600
    outbox = tmp_path / "outbox"
    before = booted - 300  # within its TTL still: only the boot rule keeps it back
    store(outbox, dict(result("a", before, 1), ttl=NOW - before + 3600),
          result("b", NOW - 60, 2))
    done = drain(env_for(wrapper_env, fake_sensu.tcp_url, outbox), booted=booted)
    assert done.returncode == 0, done.stderr
    assert delivered(fake_sensu) == [("b", 2)]
    assert history(outbox) == [("a", 1)]
    assert b"from before this agent started was not sent" in done.stderr


def test_the_boot_time_is_when_this_machine_started() -> None:
    """What the drain reads from /proc/stat, against the boot-time clock's own count."""
    booted = boot_time()
    assert booted is not None
    started = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    assert abs(booted - started) < 2  # (btime is a whole second)


class Doorman:
    """A TCP listener that counts connections and answers nothing Sensu would: a Sensu
    that is there but cannot take results. With `kill`, it keeps each connection open
    and SIGKILLs the process `victim` as soon as it has accepted one: the sender is then
    surely in the middle of its send (it would wait 2 s for an answer)."""

    def __init__(self, kill: bool = False) -> None:
        self.connections = 0
        self.kill = kill
        self.victim = 0
        self.named = threading.Event()  # `victim` is set
        self.arrived = threading.Event()
        self._open: list[socket.socket] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            if self.kill:
                self._open.append(connection)
                if self.named.wait(60):
                    os.kill(self.victim, signal.SIGKILL)
            else:
                connection.close()  # no `ok`: not delivered
            self.arrived.set()

    def close(self) -> None:
        self._server.close()
        for connection in self._open:
            connection.close()


@pytest.fixture
def doorman() -> Iterator[Doorman]:
    server = Doorman()
    yield server
    server.close()


def test_with_sensu_down_the_drain_is_quiet_tries_once_and_keeps_everything(
    tmp_path: Path, doorman: Doorman, wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    store(outbox, *[result(job, NOW - 60 * n, n) for n, job in enumerate("abcde", 1)])
    before = waiting(outbox)
    done = drain(env_for(wrapper_env, doorman.url, outbox))
    # Exit 0 and not a word: the timer runs it every 10 s for as long as Sensu is down.
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert doorman.connections == 1  # the first refusal ends the drain: no 5 x 2 s
    assert waiting(outbox) == before  # every claim released, nothing lost
    refused = f"tcp://127.0.0.1:{refused_port()}"  # a refused port: the same, quietly
    done = drain(env_for(wrapper_env, refused, outbox))
    assert (done.returncode, done.stderr, waiting(outbox)) == (0, b"", before)


def test_nothing_to_drain_is_silent(tmp_path: Path, wrapper_env: dict[str, str],
                                    fake_sensu: FakeSensu) -> None:
    assert drain(wrapper_env).returncode == 0  # no Sensu, no outbox: off, as for runs
    done = drain(env_for(wrapper_env, fake_sensu.tcp_url, tmp_path / "none"))
    assert (done.returncode, done.stderr, fake_sensu.accepted) == (0, b"", [])


@pytest.mark.parametrize(("args", "message"), [
    (["--job", "a"], b"--drain takes no command and no option but --timeout DUR"),
    (["--", "true"], b"--drain takes no command"),
    (["--ttl", "5m"], b"--drain takes no command"),
    (["--timeout", "0s"], b"--timeout must be longer than 0s"),
    (["--timeout"], b"option --timeout needs a value"),
    (["--timeout", "soon"], b"--timeout: "),
])
def test_the_drain_takes_no_command_and_no_option_but_its_budget(
    args: list[str], message: bytes, wrapper_env: dict[str, str]
) -> None:
    done = drain(wrapper_env, *args)
    assert done.returncode == 125 and message in done.stderr, done.stderr
    assert b"Traceback" not in done.stderr


def test_a_check_a_job_run_is_sending_is_left_to_it_and_never_waited_for(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    """The job run holds the check's ledger lock while it sends (here: this test holds
    it, as a run stuck on a slow Sensu would). The drain skips that check at once, sends
    the others, and the skipped entry waits, claim released, for the next drain."""
    outbox = tmp_path / "outbox"
    store(outbox, result("a", NOW - 120, 1), result("b", NOW - 60, 2))
    env = env_for(wrapper_env, fake_sensu.tcp_url, outbox)
    with Ledger(str(outbox)).holding("jobsmith.a"):
        done = drain(env)
        assert done.returncode == 0, done.stderr
        assert delivered(fake_sensu) == [("b", 2)]
        assert len(waiting(outbox)) == 1 and waiting(outbox)[0].endswith(".json")
        # A job run waits for the lock no longer than its own 2 s: its result is stored.
        run = run_wrapper(["--job", "a", "--", "true"], env)
        assert run.returncode == 0
        assert b"another run on this agent is sending a result of jobsmith.a" in run.stderr
        assert len(waiting(outbox)) == 2
    assert drain(env).returncode == 0
    assert [job for job, _ in delivered(fake_sensu)] == ["b", "a"]  # a's newest only
    assert waiting(outbox) == []


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_drains_and_job_runs_at_once_deliver_every_result_exactly_once_in_order(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str], scheme: str
) -> None:
    """Two drains and three job runs start together on one outbox of 12 results of 4
    checks; Sensu answers each after 50 ms, so they overlap. Whatever the interleaving:
    no result arrives twice, per check the results arrive oldest first, and once a last
    drain has run every result is either delivered or history, none left."""
    outbox = tmp_path / "outbox"
    checks = [result(job, NOW - 600 + 40 * n + i, 10 * i + n + 1)
              for n in range(3) for i, job in enumerate("abcd")]
    store(outbox, *checks)
    fake_sensu.answer_delay = 0.05
    env = env_for(wrapper_env, url(fake_sensu, scheme), outbox)
    command = [sys.executable, "-m", "jobsmith", "run"]
    processes = [subprocess.Popen([*command, "--drain"], env=env, stderr=subprocess.PIPE)
                 for _ in range(2)]
    processes += [subprocess.Popen([*command, "--job", job, "--", "true"], env=env,
                                   stderr=subprocess.PIPE) for job in "abe"]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert b"Traceback" not in err
    assert drain(env).returncode == 0  # what a busy check left behind
    assert waiting(outbox) == []
    got = delivered(fake_sensu)
    assert len(got) == len(set(got))  # nothing twice
    stored = [(c["job"], c["build"]) for c in checks]
    sent_stored = [item for item in got if item in stored]
    assert sorted(sent_stored + history(outbox)) == sorted(stored)  # nothing lost
    assert sorted(item for item in got if item not in stored) == [
        ("a", 0), ("b", 0), ("e", 0)]  # the runs' own results (no build number)
    for job in "abcd":  # per check oldest first; a run's own result is the newest
        builds = [build for name, build in got if name == job]
        own = [0] if job in "ab" else []
        assert builds == sorted(set(builds) - {0}) + own


def test_a_drain_killed_while_sending_leaves_a_claim_the_next_one_takes_over(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    """As after a reboot: the drain has claimed an entry (`<name>.sending-<pid>`, under
    its flock) and is sending it to a Sensu that has not answered yet; SIGKILL. The kernel
    drops the lock with the process, so the next drain takes the claim over and
    delivers it."""
    outbox = tmp_path / "outbox"
    store(outbox, result("a", NOW - 60, 1))
    stuck = Doorman(kill=True)
    try:
        process = subprocess.Popen([sys.executable, "-m", "jobsmith", "run", "--drain"],
                                   env=env_for(wrapper_env, stuck.url, outbox),
                                   stderr=subprocess.PIPE)
        stuck.victim = process.pid
        stuck.named.set()
        assert stuck.arrived.wait(60), "the drain never connected"
        process.communicate(timeout=60)
        assert process.returncode == -signal.SIGKILL
    finally:
        stuck.close()
    [claim] = waiting(outbox)
    assert claim.endswith(f".sending-{process.pid}")
    done = drain(env_for(wrapper_env, fake_sensu.tcp_url, outbox))
    assert done.returncode == 0, done.stderr
    assert delivered(fake_sensu) == [("a", 1)]
    assert waiting(outbox) == []


def test_a_full_disk_stops_the_drain_without_losing_or_doubling_anything(
    small_tmpfs: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    """Keeping a superseded result as history needs a new file: on a full disk the drain
    says so and stops; what it had claimed is retaken by the next drain, once there is
    room again, and every result is then delivered once or kept as history."""
    outbox = small_tmpfs / "outbox"
    store(outbox, result("a", NOW - 300, 1), result("a", NOW - 100, 2),
          result("b", NOW - 200, 5))
    filler = small_tmpfs / "filler"
    fill_up(filler)
    env = env_for(wrapper_env, fake_sensu.tcp_url, outbox)
    done = drain(env)
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr
    assert b"outbox drain stopped: [Errno 28] No space left on device" in done.stderr
    assert delivered(fake_sensu) == []  # a #1 could not be kept as history: a stop
    assert any(".sending-" in name for name in waiting(outbox))  # its claim, unheld
    filler.unlink()
    assert drain(env).returncode == 0
    assert waiting(outbox) == []
    got = delivered(fake_sensu)
    assert sorted(got) == [("a", 2), ("b", 5)] and len(got) == len(set(got))
    assert history(outbox) == [("a", 1)]
