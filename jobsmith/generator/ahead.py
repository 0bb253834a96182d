"""What `jobsmith generate` needs first, made in a helper process while it imports the rest.

`GenerateAhead(spec_root, out)` is started before the generator is imported (the
validation model, YAML, the renderer: ~0.1 s, which no other process can do for this
one). A helper forked from this process, while it is still small (the standard library
and the light modules `spec.jobfiles` and `seed_template`), walks the tree
(`discover(spec_root)`, ~45 ms at 5,000 files; and `folders_of` it, ~2 ms) and renders
the seed's fixed script (`seed_script(out)`, with jinja2's import ~15 ms), hands them
back pickled through a pipe, and ends with `os._exit`, so it never runs this process's
cleanup. So the walk and the script overlap the imports instead of following them, and
this process never loads jinja2.

`discovery()` and `script()` give what `discover(spec_root)` and `seed_script(out)`
would give here: the helper's when it delivered them whole, otherwise (it raised, it
was killed, anything else) they are made here, so an error (a spec root that is not a
directory, an OSError) is raised here exactly as those functions raise it. The helper
only reads: a helper left behind (this process killed outright) ends by itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

from jobsmith.generator.seed_template import seed_script
from jobsmith.spec.jobfiles import Discovery, discover, folders_of

_LENGTH = 8  # bytes of the length prefix before the pickle


class _Found(NamedTuple):
    discovery: Discovery
    folders: list[str]  # folders_of(the discovery's full names)
    script: str


class GenerateAhead:
    """`discover(spec_root)` and `seed_script(out)`, started in a forked helper at once
    (see the module's docstring); a context manager that reaps the helper on the way
    out, whatever happened."""

    def __init__(self, spec_root: Path, out: Path) -> None:
        self.root = Path(spec_root)
        self.out = Path(out)
        reply, send = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: never returns
            os.close(reply)
            _helper(self.root, self.out, send)
        os.close(send)
        self._pid: int | None = pid
        self._reply: int | None = reply
        self._taken = False
        self._found: _Found | None = None  # the helper's, once taken

    def __enter__(self) -> GenerateAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def discovery(self) -> Discovery:
        """What `discover(self.root)` gives (raises): the helper's, else found here."""
        found = self._take()
        return found.discovery if found is not None else discover(self.root)

    def folders(self, discovery: Discovery) -> list[str]:
        """`folders_of(discovery.full_names)`: the helper's when `discovery` is its."""
        found = self._take()
        return found.folders if found is not None and found.discovery is discovery \
            else folders_of(discovery.full_names)

    def script(self) -> str:
        """What `seed_script(self.out)` gives: the helper's, else rendered here."""
        found = self._take()
        return found.script if found is not None else seed_script(self.out)

    def close(self) -> None:
        """Stop and reap the helper if it has not handed its result over."""
        if self._reply is not None:
            os.close(self._reply)
            self._reply = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def _take(self) -> _Found | None:
        """The helper's result, read (and the helper reaped) on the first call; None
        when it gave none or was closed first."""
        if not self._taken:
            self._taken = True
            self._found = self._receive()
        return self._found

    def _receive(self) -> _Found | None:
        if self._reply is None or self._pid is None:
            return None
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
            return None  # it failed, or was cut short: made here instead
        found = pickle.loads(memoryview(data)[_LENGTH:])
        return found if isinstance(found, _Found) else None


def _helper(root: Path, out: Path, send: int) -> None:
    """The helper's whole life: the walk and the script, sent whole, `os._exit`."""
    code = 1
    try:
        discovery = discover(root)
        found = _Found(discovery, folders_of(discovery.full_names), seed_script(out))
        data = pickle.dumps(found, pickle.HIGHEST_PROTOCOL)
        view = memoryview(len(data).to_bytes(_LENGTH, "little") + data)
        while view:
            view = view[os.write(send, view):]
        code = 0
    except BaseException:  # made again in the parent, which meets the same error
        pass
    finally:
        os._exit(code)
