"""What this agent last sent for each check, so an older result never follows a newer one.

Sensu keeps whatever result arrived last for a check (1.x `store_check_result` sets
`result:<source>:<check>` unconditionally; Sensu Go's event store does the same): it has
no notion of order. So the wrapper orders: a result is identified by `order_key` (the
build's start, `executed`, then the build number), and before anything is sent for a
check, the ledger file `<outbox>/.sent/<check>` says which key was sent last from this
agent. A result whose key is older is superseded: it is kept as history in
`<outbox>/superseded/`, never sent as the check's current state.

The check, send and record happen under an exclusive `flock` on the ledger file, so two
runs on this agent cannot interleave an older and a newer result of one check. A run
waits for that lock no longer than its own time left (a job run) or not at all (the
outbox drain, `jobsmith run --drain`): a check another run is sending is `BUSY`, and
its result waits in the outbox for the next delivery.
Across agents there is no shared ledger (docs/alerts.md says what that means).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import time

SENT_DIR = ".sent"  # hidden: not an alert waiting to be sent
SUPERSEDED_DIR = "superseded"
BUSY = "busy"  # a delivery state: another run on this agent is sending this check
LOCK_POLL = 0.005  # seconds between two tries of a ledger lock held by another run

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any


def order_key(check: dict[str, Any]) -> tuple[int, int]:
    """When the build ran: its start (`executed`), then its number."""
    executed = check.get("executed")
    build = check.get("build")
    return (
        executed if isinstance(executed, int) else 0,
        build if isinstance(build, int) else 0,
    )


def orders(check: dict[str, Any]) -> bool:
    """Whether `check` takes part in the order. A build that did not run (`outcome`
    `not_built`: skipped because the previous build still runs, or superseded) says
    nothing newer about the job than a build still running: it never supersedes
    another result (the running build's outcome, sent after it, must be shown), nor is
    it recorded as the newest sent. It is itself superseded by a newer result."""
    return check.get("outcome") != "not_built"


def older(key: tuple[int, int], than: tuple[int, int]) -> bool:
    """Whether a result keyed `key` is older than one keyed `than`. Two results of the
    same build are not: the seed restates a build (jobsmith/seed/expect.py) with the
    start Jenkins' API gives (`Run.getTimestamp`), which may be a second before the
    `startTimeInMillis` its own result carries."""
    if key[1] > 0 and key[1] == than[1]:
        return False
    return key < than


def expired(check: dict[str, Any], now: float) -> bool:
    """Whether Sensu would take `check` for a missed run at once (1.x: `now - executed
    >= ttl`, `create_check_ttl_results`)."""
    ttl, executed = check.get("ttl"), check.get("executed")
    return isinstance(ttl, int) and isinstance(executed, int) and now - executed >= ttl


def ended(check: dict[str, Any]) -> float:
    """When the result's build ended: `executed` (its start) plus `duration`."""
    executed, duration = check.get("executed"), check.get("duration")
    start = executed if isinstance(executed, int) else 0
    return start + (duration if isinstance(duration, (int, float)) else 0.0)


def replayed(check: dict[str, Any], now: float) -> dict[str, Any]:
    """`check` sent late from the outbox, its TTL counted from `now` (Sensu 1.x counts
    from `executed`; a result on time arrives `duration` after it)."""
    ttl, executed, duration = check.get("ttl"), check.get("executed"), check.get("duration")
    if not isinstance(ttl, int) or not isinstance(executed, int):
        return check
    late = now - executed - (duration if isinstance(duration, (int, float)) else 0.0)
    return dict(check, ttl=ttl + max(int(late), 0)) if late >= 1 else check


class Busy(Exception):
    """Another run on this agent holds the check's ledger lock (it is sending a result)."""


class Ledger:
    """`<directory>/.sent/<check name>`: the order key last sent for that check."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    @contextlib.contextmanager
    def holding(self, name: str, wait: float | None = None) -> Iterator[LedgerEntry]:
        """The check's entry, locked against other runs on this agent until the end.

        `wait`: the longest to wait for another run's lock (None: as long as it takes);
        raises `Busy` when it was not released in time."""
        sent = os.path.join(self.directory, SENT_DIR)
        os.makedirs(sent, exist_ok=True)
        fd = os.open(os.path.join(sent, name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd, wait)
            yield LedgerEntry(fd)
        finally:
            os.close(fd)  # releases the lock

    def keep_as_history(self, check: dict[str, Any]) -> str:
        """Store a superseded result where a person can read it; its path."""
        directory = os.path.join(self.directory, SUPERSEDED_DIR)
        os.makedirs(directory, exist_ok=True)
        executed, build = order_key(check)
        path = os.path.join(
            directory, f"{check.get('name', 'unknown')}-{executed}-{build}-{os.getpid()}.json"
        )
        try:
            with open(path, "w", encoding="ascii") as handle:
                json.dump(check, handle, ensure_ascii=True, separators=(",", ":"))
        except BaseException:  # a full disk: no half-written history behind
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise
        return path


class LedgerEntry:
    """One check's ledger file, open and locked."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def newest(self) -> tuple[int, int] | None:
        os.lseek(self._fd, 0, os.SEEK_SET)
        text = os.read(self._fd, 256).decode("ascii", errors="replace").split()
        if len(text) != 2 or not all(part.lstrip("-").isdigit() for part in text):
            return None
        return int(text[0]), int(text[1])

    def supersedes(self, check: dict[str, Any]) -> bool:
        """Whether a newer result than `check` was already sent from this agent."""
        newest = self.newest()
        return newest is not None and older(order_key(check), newest)

    def record(self, check: dict[str, Any]) -> None:
        executed, build = order_key(check)
        newest = self.newest()
        if newest is not None and newest >= (executed, build):
            return
        data = f"{executed} {build}\n".encode("ascii")
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.ftruncate(self._fd, 0)
        os.write(self._fd, data)


def _lock(fd: int, wait: float | None) -> None:
    if wait is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Busy() from None
            time.sleep(min(LOCK_POLL, left))


def newest_in_outbox(directory: str) -> dict[str, tuple[int, int]]:
    """Each check's newest order key among the results waiting in the outbox.

    A read-only look (no claims): a file that vanishes or is not an alert is skipped;
    draining deals with it. Only the top level holds waiting results."""
    newest: dict[str, tuple[int, int]] = {}
    try:
        names = os.listdir(directory)
    except OSError:
        return newest
    for name in names:
        if name.startswith(".") or not (name.endswith(".json") or ".sending-" in name):
            continue
        check = _peek(os.path.join(directory, name))
        if isinstance(check, dict) and isinstance(check.get("name"), str) and orders(check):
            key = order_key(check)
            if key > newest.get(check["name"], (-1, -1)):
                newest[check["name"]] = key
    return newest


def _peek(path: str) -> Any:
    """The JSON in a regular file, never blocking (a FIFO) nor following a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return json.loads(os.read(fd, 1 << 20))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


class OrderedSender:
    """Wraps a sender so that, per check, only the newest result known is ever sent.

    Known = the ledger (sent earlier from this agent), the outbox and the current run.
    A superseded result is kept as history and reported to the delivery as delivered
    (so it leaves the outbox); an unconfirmed one counts as delivered (not sent twice).
    A check whose ledger lock another run holds longer than the time left (not at all
    with `wait_for_ledger` False) is `BUSY`: its result stays for the next delivery.

    A stored result of a build that did not run (`orders` False) is kept as history: it
    only kept the TTL alive at the time, and sent now it could follow, and hide, the
    outcome of the build that was running (sent first: `delivery.deliver`'s
    `current_first`).

    Stored results (all but `current`; all of them for the outbox drain, which has no
    current run), given the wall clock `now`: no ledger spans agents, so another agent
    may have delivered a newer result of the check meanwhile (after an outage of Sensu,
    every agent replays what it stored).
    - One whose TTL ran out is kept as history: it would override that newer result with
      a missed run at once; and were it the newest, Sensu's older result's TTL ran out
      too, so the check is in its missed-run alert already.
    - With `booted` (the drain: when this agent last started), one of a build that ended
      before is kept as history: while this agent was down, its outbox could not be
      drained, and other agents went on delivering newer results it would hide.
    - Otherwise, for Sensu 1.x (`ttl_from_arrival` False: it measures from `executed`),
      its TTL is counted from its arrival, as Sensu Go does: `ttl` grows by the delay
      since the build ended. So a replay that hides a newer result until the check's
      next one cannot time out before that next one is due.
    """

    def __init__(
        self,
        ledger: Ledger,
        send: Callable[[dict[str, Any], float], tuple[str, str]],
        known: dict[str, tuple[int, int]],
        current: dict[str, Any] | None = None,
        now: float | None = None,
        ttl_from_arrival: bool = False,
        wait_for_ledger: bool = True,
        booted: float | None = None,
    ) -> None:
        self.ledger = ledger
        self._send = send
        self.known = known
        self.current = current
        self.now = now
        self.ttl_from_arrival = ttl_from_arrival
        self.wait_for_ledger = wait_for_ledger
        self.booted = booted
        self.notes: list[str] = []
        self.superseded = 0

    def __call__(self, check: dict[str, Any], seconds: float) -> tuple[str, str]:
        name = check.get("name")
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            return self._send(check, seconds)  # Sensu will reject it; no ledger file
        deadline = time.monotonic() + seconds
        try:
            with self.ledger.holding(name, seconds if self.wait_for_ledger else 0.0) as entry:
                return self._under_lock(check, name, entry, deadline - time.monotonic())
        except Busy:
            return BUSY, f"another run on this agent is sending a result of {name}"

    def _under_lock(
        self, check: dict[str, Any], name: str, entry: LedgerEntry, seconds: float
    ) -> tuple[str, str]:
        from jobsmith.wrapper.sensu import DELIVERED, UNCONFIRMED

        key = order_key(check)
        if entry.supersedes(check) or older(key, self.known.get(name, key)):
            return self._history(check, "an older result of {name} was not sent",
                                 "superseded by a newer result")
        sent = check
        stored = check is not self.current
        if stored and not orders(check):
            return self._history(check, "a stored result of {name} of a build that did "
                                 "not run was not sent", "a build that did not run, "
                                 "replayed late")
        if stored and self.now is not None:
            if expired(check, self.now):
                return self._history(check, "a stored result of {name} older than its TTL "
                                     "was not sent", "older than its TTL")
            if self.booted is not None and ended(check) < self.booted:
                return self._history(check, "a stored result of {name} from before this "
                                     "agent started was not sent (other agents may have "
                                     "delivered newer ones while it was down)",
                                     "from before this agent started")
            if not self.ttl_from_arrival:
                sent = replayed(check, self.now)
        state, reason = self._send(sent, seconds)
        if state == UNCONFIRMED:
            self.notes.append(f"{name}: {reason}; not sent again (it would arrive twice)")
            state = DELIVERED
        if state == DELIVERED and orders(check):
            try:
                entry.record(check)
            except OSError as error:  # sent all the same: it must not be sent again
                self.notes.append(f"{name}: the ledger was not updated ({error})")
        return state, reason

    def _history(self, check: dict[str, Any], note: str, reason: str) -> tuple[str, str]:
        from jobsmith.wrapper.sensu import DELIVERED

        path = self.ledger.keep_as_history(check)
        self.superseded += 1
        self.notes.append(note.format(name=check["name"]) + f" (kept in {path})")
        return DELIVERED, reason
