"""The seed's Job DSL: one fixed script, its data file, and the script's approval hash.

`OUT/dsl/jobsmith.groovy` is the same text for every spec tree (for one jobsmith
version and one OUT path), so Job DSL script security can stay on with one approval
per release. Everything that varies per job is in `OUT/dsl/jobsmith.json`, which the
script reads with `readFileFromWorkspace`: its path is relative to the directory where
`jobsmith generate` ran, which is the seed job's workspace.

The data file is ASCII JSON (non-ASCII characters as `\\uXXXX`): Jenkins reads it with
`FilePath.readToString()`, in the agent JVM's default charset, whatever that is.
One folder or job a line, so a reviewer's diff shows which job changed.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from jobsmith import __version__
from jobsmith.generator.output import Extent
from jobsmith.generator.render import folder_data
from jobsmith.generator.seed_template import (
    DATA,
    DATA_FORMAT,
    DEFAULT_OUT,
    SCRIPT,
    data_path,
    render_seed_script,
    seed_script,
)

__all__ = ["DATA", "DATA_FORMAT", "DEFAULT_OUT", "LINE_BREAK", "SCRIPT", "approval_hash",
           "data_path", "job_line", "render_seed_script", "seed_approval_hash", "seed_data",
           "seed_script", "upstream_first"]


def approval_hash(script: str) -> str:
    """The hash under which script-security approves `script` as Groovy.

    script-security `ScriptApproval.Hasher.SHA512.hash(script, language)`: SHA-512 over
    the language name (`GroovyLanguage.getName()` is "groovy"), a `:` and the script,
    all UTF-8, as "SHA512:" + lower-case hex; Job DSL's `ScriptApprovalDslScriptLoader`
    passes it the script file's text (`ScriptApproval.using(body, GroovyLanguage)`).
    This is the form JCasC's `security.scriptApproval.approvedScriptHashes` takes.
    """
    digest = hashlib.sha512(b"groovy:" + script.encode("utf-8")).hexdigest()
    return f"SHA512:{digest}"


def seed_approval_hash(out: str | os.PathLike[str] = DEFAULT_OUT,
                       workspace: str | os.PathLike[str] | None = None) -> str:
    """The approval hash of the seed script that `jobsmith generate -o OUT` writes when
    run in `workspace`: the one the deploy kit pre-approves (OUT = `out`, as in the
    Jenkinsfile)."""
    return approval_hash(seed_script(out, workspace))


# `json.dumps(entry, ensure_ascii=True, separators=(",", ":"))`, with one encoder for
# every line (`dumps` makes one per call) and no check for cycles (the data has none).
_LINE = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), check_circular=False)


def job_line(entry: Mapping[str, Any]) -> bytes:
    """One job's (or folder's) line in the data file."""
    return _LINE.encode(entry).encode("ascii")


def upstream_first(after: Mapping[str, Sequence[str]]) -> list[str]:
    """Job names ordered so that each job's `after` upstreams come before it; otherwise
    in name order. Cycles are spec errors found earlier; any left go last, by name."""
    if not any(after.values()):  # no job names another: name order, as the heap gives
        return sorted(after)
    waiting = {name: {u for u in upstreams if u in after and u != name}
               for name, upstreams in after.items()}
    downstream: dict[str, list[str]] = {name: [] for name in after}
    for name, upstreams in waiting.items():
        for upstream in upstreams:
            downstream[upstream].append(name)
    ready = [name for name, upstreams in waiting.items() if not upstreams]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for child in downstream[name]:
            waiting[child].discard(name)
            if not waiting[child]:
                heapq.heappush(ready, child)
    placed = set(order)
    order.extend(sorted(name for name in after if name not in placed))
    return order


LINE_BREAK = b",\n"  # between two lines of the data's arrays
Piece = TypeVar("Piece", bytes, Extent, bytes | Extent)


def seed_data(folders: Iterable[str], job_lines: Iterable[Piece]) -> Iterator[bytes | Piece]:
    """The data file, piece by piece: folders parents first (as given), then each job's
    line (as given). Pieces, so that 20,000 jobs' data is never one string in memory. A
    piece of `job_lines` may also be a run of consecutive jobs' lines joined by
    `LINE_BREAK`, as bytes or as an extent of a file that holds them."""
    head = json.dumps({"format": DATA_FORMAT, "generator": f"jobsmith {__version__}"},
                      separators=(",", ":"))
    yield head[:-1].encode()
    yield b',\n"folders":'
    yield from _array(job_line(folder_data(folder)) for folder in folders)
    yield b',\n"jobs":'
    yield from _array(job_lines)
    yield b"}\n"


def _array(lines: Iterable[Piece]) -> Iterator[bytes | Piece]:
    opening = b"[\n"
    for line in lines:
        yield opening
        yield line
        opening = LINE_BREAK
    yield b"[]" if opening == b"[\n" else b"\n]"
