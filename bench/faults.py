"""Fault injection at scale: runs under each fault, and how many results were lost.

- Sensu down: concurrent wrappers store their alerts in one outbox; one run with Sensu
  back drains it. Lost = runs whose alert never reached Sensu.
- SIGKILL while storing: wrappers killed at random moments near their end; every
  complete alert left on disk must be sent by the next run. Lost = complete on disk,
  never received.
- A trickling peer (one byte every half second): the time from the command's end to
  the wrapper's exit, beside the same with a healthy Sensu (target <= 2 s + start-up).
- Full disk: stdout and stderr on /dev/full; the status and the alert must survive.
- Concurrent `generate` into one OUT: pairs started together; a corrupt OUT (a job in
  the manifest without its pipeline file) counts as lost.

Each scenario is bounded; the whole module takes well under a minute here.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.wrapper.fake_sensu import FakeSensu  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
WRAPPER = [PYTHON, "-m", "jobsmith", "run"]
JOBSMITH = [PYTHON, "-m", "jobsmith"]
PARALLEL = 8


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("JOBSMITH_")}
    env.update(extra)
    return env


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(args: list[str], env: dict[str, str], stdout: int | IO[bytes] = subprocess.DEVNULL,
        stderr: int | IO[bytes] = subprocess.DEVNULL) -> int:
    return subprocess.run([*WRAPPER, *args], env=env, stdout=stdout, stderr=stderr,
                          timeout=60, check=False).returncode


def sensu_down(work: Path, runs: int) -> tuple[int, int, int]:
    outbox = work / "outbox-down"
    down = clean_env(JOBSMITH_SENSU=f"tcp://127.0.0.1:{closed_port()}",
                     JOBSMITH_OUTBOX=str(outbox))
    with ThreadPoolExecutor(PARALLEL) as pool:
        codes = list(pool.map(lambda n: run(["--job", f"down-{n}", "--", "sh", "-c",
                                             f"exit {n % 3}"], down), range(runs)))
    assert codes == [n % 3 for n in range(runs)], codes
    sensu = FakeSensu()
    try:
        up = dict(down, JOBSMITH_SENSU=sensu.tcp_url)
        drains = 0
        while any(name.endswith(".json") for name in os.listdir(outbox)) and drains < 50:
            run(["--job", f"drain-{drains}", "--", "true"], up)
            drains += 1
        received = {check["name"] for check in sensu.wait_for(runs + drains, timeout=2)}
    finally:
        sensu.close()
    lost = sum(f"jobsmith.down-{n}" not in received for n in range(runs))
    return runs, runs - lost, lost


def killed_while_storing(work: Path, runs: int) -> tuple[int, int, int]:
    outbox = work / "outbox-killed"
    down = clean_env(JOBSMITH_SENSU=f"tcp://127.0.0.1:{closed_port()}",
                     JOBSMITH_OUTBOX=str(outbox))
    chance = random.Random(9)

    def one(number: int) -> None:
        process = subprocess.Popen([*WRAPPER, "--job", f"killed-{number}", "--", "true"],
                                   env=down, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.05, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()

    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(one, range(runs)))
    names = set()
    old = time.time() - 3600  # as a run an hour later would find them
    for name in os.listdir(outbox) if outbox.exists() else []:
        path = outbox / name
        os.utime(path, (old, old))
        try:
            names.add(json.loads(path.read_bytes())["name"])
        except (ValueError, KeyError, IsADirectoryError):
            continue  # half-written: never a complete alert
    sensu = FakeSensu()
    try:
        run(["--job", "after-kills", "--", "true"],
            dict(down, JOBSMITH_SENSU=sensu.tcp_url))
        received = {check["name"] for check in sensu.wait_for(len(names) + 1, timeout=2)}
    finally:
        sensu.close()
    lost = len(names - received)
    return runs, len(names) - lost, lost


class Trickler:
    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                while not self.stop.wait(0.5):
                    connection.sendall(b" ")
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.server.close()


def after_command(env: dict[str, str], runs: int) -> tuple[float, list[int]]:
    """Worst wall time of `jobsmith run -- true` (start-up included), and the statuses."""
    def one(number: int) -> tuple[float, int]:
        started = time.monotonic()
        code = run(["--job", f"slow-{number}", "--", "sh", "-c", "exit 4"], env)
        return time.monotonic() - started, code

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(one, range(runs)))
    return max(seconds for seconds, _ in results), [code for _, code in results]


def trickling_peer(work: Path, runs: int) -> tuple[int, int, int, float, float]:
    peer = Trickler()
    outbox = work / "outbox-trickle"
    try:
        slow, codes = after_command(clean_env(
            JOBSMITH_SENSU=f"tcp://127.0.0.1:{peer.server.getsockname()[1]}",
            JOBSMITH_OUTBOX=str(outbox)), runs)
    finally:
        peer.close()
    sensu = FakeSensu()
    try:
        healthy, _ = after_command(clean_env(JOBSMITH_SENSU=sensu.tcp_url), runs)
    finally:
        sensu.close()
    stored = sum(name.endswith(".json") for name in os.listdir(outbox))
    assert codes == [4] * runs
    return runs, stored, runs - stored, slow, healthy


def full_disk(runs: int) -> tuple[int, int, int]:
    sensu = FakeSensu()
    try:
        env = clean_env(JOBSMITH_SENSU=sensu.tcp_url)
        with open("/dev/full", "wb") as full:
            codes = [run(["--job", f"full-{n}", "--", "sh", "-c", "echo out; exit 5"], env,
                         stdout=full, stderr=full) for n in range(runs)]
        received = len(sensu.wait_for(runs, timeout=2))
    finally:
        sensu.close()
    kept = sum(code == 5 for code in codes)
    return runs, min(kept, received), runs - min(kept, received)


def concurrent_generate(work: Path, pairs: int, jobs: int) -> tuple[int, int, int]:
    tree = work / "jobs"
    for index in range(jobs):
        folder = tree / f"team-{index % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"job-{index}.yaml").write_text(f"command: ./run.sh {index}\n")
    out = work / "out"
    intact = 0
    for pair in range(pairs):
        (tree / "team-0" / "job-0.yaml").write_text(f"command: ./run.sh {pair}\n")
        both = [subprocess.Popen([*JOBSMITH, "generate", str(tree), "-o", str(out)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for _ in range(2)]
        codes = [process.wait(timeout=120) for process in both]
        manifest = json.loads((out / "manifest.json").read_text())
        complete = all((out / entry["pipeline"]).is_file() for entry in manifest["jobs"].values())
        data = (out / manifest["data"]).is_file() and (out / manifest["script"]).is_file()
        intact += complete and data and len(manifest["jobs"]) == jobs and set(codes) <= {0, 2}
    return pairs, intact, pairs - intact


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="jobsmith-bench-faults-"))
    try:
        rows = []
        runs, ok, lost = sensu_down(work, 60)
        rows.append(("Sensu down, 60 concurrent runs, one outbox", runs, ok, lost, "-"))
        runs, ok, lost = killed_while_storing(work, 40)
        rows.append(("SIGKILL at random near the end", runs, ok, lost,
                     f"{ok + lost} complete alerts left on disk, all sent by the next run"
                     if not lost else f"{ok + lost} complete alerts left on disk"))
        runs, ok, lost, slow, healthy = trickling_peer(work, 8)
        rows.append(("Sensu trickling 1 byte / 0.5 s (alerts stored)", runs, ok, lost,
                     f"worst run {slow:.2f} s vs {healthy:.2f} s healthy "
                     f"({slow / healthy:.1f}x; bound 2 s + start-up)"))
        runs, ok, lost = full_disk(20)
        rows.append(("stdout and stderr on a full disk (/dev/full)", runs, ok, lost, "-"))
        runs, ok, lost = concurrent_generate(work, 6, 400)
        rows.append(("2 concurrent `generate` into one OUT, 400 jobs", runs, ok, lost, "-"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| fault | runs | delivered / intact | lost | time |")
    print("|---|---|---|---|---|")
    for name, runs, ok, lost, note in rows:
        print(f"| {name} | {runs} | {ok} | {lost} | {note} |")
    print(f"\n{PARALLEL} at a time; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}.")


if __name__ == "__main__":
    main()
