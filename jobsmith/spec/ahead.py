"""Find a tree's job files in a helper process while this one goes on with other work.

`jobsmith generate` starts `DiscoveryAhead(root)` before it imports the generator (the
validation model, the renderer: ~0.1 s at start-up, which no other process can do for
it), so the walk of the tree (~45 ms at 5,000 files) overlaps the imports instead of
following them. The helper is forked from this process while it is still small (only
`jobfiles` and the standard library are loaded), runs `jobfiles.discover(root)`, hands
the `Discovery` back pickled through a pipe, and ends with `os._exit`, so it never runs
this process's cleanup.

`result()` gives what `discover(root)` would give here: the helper's `Discovery` when it
delivered one whole, otherwise (it raised, it was killed, anything else) it walks the
tree itself, so an error (a spec root that is not a directory, an OSError) is raised
here exactly as `discover` raises it. The helper only reads the tree: a helper left
behind (this process killed outright) walks to its end and exits.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from pathlib import Path
from types import TracebackType

from jobsmith.spec.jobfiles import Discovery, discover

_LENGTH = 8  # bytes of the length prefix before the pickle


class DiscoveryAhead:
    """`discover(root)`, started in a forked helper at once (see the module's docstring);
    a context manager that reaps the helper on the way out whatever happened."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        reply, send = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: never returns
            os.close(reply)
            _helper(self.root, send)
        os.close(send)
        self._pid: int | None = pid
        self._reply: int | None = reply

    def __enter__(self) -> DiscoveryAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def result(self) -> Discovery:
        """What `discover(self.root)` gives (raises): the helper's, else found here."""
        found = self._take()
        return found if found is not None else discover(self.root)

    def close(self) -> None:
        """Stop and reap the helper if it has not handed its result over."""
        if self._reply is not None:
            os.close(self._reply)
            self._reply = None
        if self._pid is not None:
            pid, self._pid = self._pid, None
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

    def _take(self) -> Discovery | None:
        if self._reply is None or self._pid is None:
            raise RuntimeError("the discovery ahead was taken or closed already")
        chunks = []
        while chunk := os.read(self._reply, 1 << 20):
            chunks.append(chunk)
        os.close(self._reply)
        self._reply = None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        data = b"".join(chunks)
        if status != 0 or len(data) < _LENGTH \
                or int.from_bytes(data[:_LENGTH], "little") != len(data) - _LENGTH:
            return None  # it failed, or was cut short: `result` walks the tree here
        found = pickle.loads(memoryview(data)[_LENGTH:])
        return found if isinstance(found, Discovery) else None


def _helper(root: Path, send: int) -> None:
    """The helper's whole life: the walk, its result sent whole, `os._exit`."""
    code = 1
    try:
        data = pickle.dumps(discover(root), pickle.HIGHEST_PROTOCOL)
        view = memoryview(len(data).to_bytes(_LENGTH, "little") + data)
        while view:
            view = view[os.write(send, view):]
        code = 0
    except BaseException:
        pass
    finally:
        os._exit(code)
