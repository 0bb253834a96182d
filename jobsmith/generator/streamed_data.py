"""The seed's data file written while the team still works, in the usual case.

The jobs' lines go into `OUT/dsl/jobsmith.json` upstream jobs first, and otherwise in
name order (`seed_script.upstream_first`). In the usual tree no job has `after`, and the
path order in which the team's results come (`team.shared`) is name order, so each
job's line can be copied into the file as soon as its result is in, while the team
works on: the kernel copies a run of consecutive lines of one spool at a time
(`output.write_pieces`). At the first job with `after`, or out of name order, or with
a problem, the file is dropped and `generate` writes it whole at the end, as it would
anyway. The bytes are the same either way: the head and tail of the file are those
`seed_data` makes around one marker line, and runs are joined by `LINE_BREAK`, as in
the spools.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from jobsmith.generator.output import AtomicOutput, Extent, write_pieces
from jobsmith.generator.seed_script import DATA, LINE_BREAK, seed_data

_MARK = Extent(-1, -1, -1)  # where the jobs' lines go in `seed_data`'s pieces


class StreamedData:
    """`add` each job in the order the results come; `finish` says whether the file is
    complete (else it is gone, and the caller writes it)."""

    def __init__(self, output: AtomicOutput, folders: Sequence[str], spools: Sequence[int]
                 ) -> None:
        pieces = list(seed_data(folders, [_MARK]))
        at = pieces.index(_MARK)
        self._head, self._tail = pieces[:at], pieces[at + 1:]
        self._output = output
        self._spools = spools  # file descriptors, by member
        self._fd: int | None = None
        self._last: str | None = None  # the name of the last job added
        self._run: list[int] = []  # spool, start, end of the lines not copied yet
        self._failed = False

    def add(self, name: str, after: Sequence[str], line: tuple[int, int, int]) -> None:
        """The next job's line: (spool, offset, length)."""
        if self._failed:
            return
        if after or (self._last is not None and name <= self._last):
            self.drop()
            return
        self._last = name
        spool, offset, length = line
        run = self._run
        if run and run[0] == spool and run[2] + len(LINE_BREAK) == offset:
            run[2] = offset + length
            return
        if run:
            self._write(run, more=True)
        self._run = [spool, offset, offset + length]

    def drop(self) -> None:
        """Give up (a job with `after`, out of order, or with problems)."""
        if self._failed:
            return
        self._failed = True
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            os.unlink(os.path.join(self._output.staging, DATA))

    def finish(self) -> bool:
        """Complete the file and record it in the output; False when it was dropped or
        holds no job (the caller writes it then)."""
        if self._failed or not self._run:
            self.drop()
            return False
        self._write(self._run, more=False)
        assert self._fd is not None
        os.close(self._fd)
        self._fd = None
        self._output.written_file(DATA)
        return True

    def close(self) -> None:
        """Close the file if it is still open (the run stopped early)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _write(self, run: list[int], more: bool) -> None:
        pieces: list[bytes | Extent] = []
        if self._fd is None:
            self._fd = self._output.open_file(DATA)
            pieces.extend(self._head)
        pieces.append(Extent(self._spools[run[0]], run[1], run[2] - run[1]))
        pieces.extend([LINE_BREAK] if more else self._tail)
        write_pieces(self._fd, pieces)
