"""Find and signal every descendant of the wrapper, daemonised ones included.

The wrapper makes itself a child subreaper (Linux `PR_SET_CHILD_SUBREAPER`): a process
whose parent dies is re-parented to the nearest subreaper ancestor instead of init. So
every descendant, even one that double-forked and called `setsid` to leave the command's
process group, stays in the wrapper's tree, and a walk of `/proc/PID/task/TID/children`
from the wrapper finds it. Kernels without that file fall back to reading the parent of
every process in `/proc/*/stat`.
"""

import os

PR_SET_CHILD_SUBREAPER = 36


def set_child_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants; False where impossible."""
    try:
        return _prctl_fast(PR_SET_CHILD_SUBREAPER, 1) == 0
    except (ImportError, AttributeError, OSError):
        pass
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _prctl_fast(option: int, value: int) -> int:
    """prctl through `_ctypes` alone: importing `ctypes` costs ~8 % of the start-up time.

    `_ctypes.call_function` is CPython's low-level call helper; where it is missing the
    caller falls back to `ctypes`.
    """
    return libc_call("prctl", option, value, 0, 0, 0)


def libc_call(name: str, *args: int) -> int:
    """Call the C library's function `name` with int arguments; its int result (errno is
    not kept). Raises ImportError, AttributeError or OSError where `_ctypes` cannot.

    The Python standard library has no prctl, so the wrapper needs `_ctypes` in any
    case; the calls that would otherwise import one more extension module (`fcntl`,
    a few tenths of a millisecond of every start) go through it too.
    """
    import _ctypes

    handle = _ctypes.dlopen(None, 0)  # type: ignore[arg-type]  # None: the program itself
    address = _ctypes.dlsym(handle, name)
    return int(_ctypes.call_function(address, args))


def descendants(root: int, exclude: set[int] | None = None, proc: str = "/proc") -> list[int]:
    """Live (not zombie) descendants of `root`, parents before children.

    Processes in `exclude`, and their own descendants, are left out.
    """
    skip = set(exclude or ())
    try:
        return _walk_children_files(root, skip, proc)
    except FileNotFoundError:
        return _walk_stat_files(root, skip, proc)


def children_of(pid: int, proc: str = "/proc") -> list[int]:
    """The direct children of `pid` (zombies included)."""
    return _children(pid, proc)


def signal_all(pids: list[int], signum: int) -> None:
    """Send `signum` to each pid, ignoring those already gone."""
    for pid in pids:
        try:
            os.kill(pid, signum)
        except (ProcessLookupError, PermissionError):
            continue


def signal_group(pgid: int, signum: int) -> bool:
    """Send `signum` to process group `pgid`; False when the group is gone."""
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _walk_children_files(root: int, skip: set[int], proc: str) -> list[int]:
    if not os.path.exists(f"{proc}/{root}/task/{root}/children"):
        raise FileNotFoundError(f"{proc}/{root}/task/{root}/children")
    found: list[int] = []
    pending = [root]
    seen = {root} | skip
    while pending:
        pid = pending.pop(0)
        for child in _children(pid, proc):
            if child in seen:
                continue
            seen.add(child)
            pending.append(child)
            if _live(child, proc):
                found.append(child)
    return found


def _children(pid: int, proc: str) -> list[int]:
    children: list[int] = []
    try:
        tasks = os.listdir(f"{proc}/{pid}/task")
    except OSError:
        return children
    for task in tasks:
        try:
            with open(f"{proc}/{pid}/task/{task}/children", "rb") as handle:
                children.extend(int(field) for field in handle.read().split())
        except OSError:
            continue
    return children


def _live(pid: int, proc: str) -> bool:
    """Whether `pid` still runs. A process whose main thread ended shows as a zombie
    while its other threads go on: it is live until its last thread is gone."""
    stat = _read_stat(pid, proc)
    if stat is None or stat[0] == "X":
        return False
    if stat[0] != "Z":
        return True
    try:
        tasks = os.listdir(f"{proc}/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            with open(f"{proc}/{pid}/task/{task}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if data[data.rfind(b")") + 2 :][:1] not in (b"Z", b"X"):
            return True
    return False


def _read_stat(pid: int, proc: str) -> tuple[str, int] | None:
    """(state, parent pid) of `pid`, None when it is gone."""
    try:
        with open(f"{proc}/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces and parentheses.
    fields = data[data.rfind(b")") + 2 :].split()
    return fields[0].decode(), int(fields[1])


def _walk_stat_files(root: int, skip: set[int], proc: str) -> list[int]:
    children: dict[int, list[int]] = {}
    states: dict[int, str] = {}
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        stat = _read_stat(int(name), proc)
        if stat is not None:
            states[int(name)] = stat[0]
            children.setdefault(stat[1], []).append(int(name))
    found: list[int] = []
    pending = [root]
    while pending:
        pid = pending.pop(0)
        for child in children.get(pid, []):
            if child in skip:
                continue
            pending.append(child)
            if states.get(child) != "X" and (states.get(child) != "Z" or _live(child, proc)):
                found.append(child)
    return found
