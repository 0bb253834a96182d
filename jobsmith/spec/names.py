"""Job and folder names exactly as Jenkins checks them, and the names they map to in
metrics and Sensu checks.

`jenkins.model.Jenkins.checkGoodName` rejects an empty name, `.` and `..` (after
trimming), any ISO control character (`Character.isISOControl`: U+0000-U+001F and
U+007F-U+009F), any of `?*/\\%!@#$^&|<>[]:;`, and (SECURITY-2424, on by default) a name
whose trimmed form ends with `.`. Everything else is fine: spaces and non-ASCII letters
included (`rapport-qualité`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from jobsmith.errors import Location, Problem
from jobsmith.wrapper.metrics import metric_job

UNSAFE = "?*/\\%!@#$^&|<>[]:;"
# Any character `name_problem` rejects: one search finds whether a name has one.
_REJECTED = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{re.escape(UNSAFE)}]")


def name_problem(name: str) -> str | None:
    """Why Jenkins would reject `name` as a job or folder name, or None if it accepts it."""
    if not name:
        return "a name cannot be empty"
    if name.strip() in (".", ".."):
        return f"{name.strip()!r} is not allowed as a name"
    rejected = _REJECTED.search(name)
    if rejected is not None:
        char = rejected.group()
        code = ord(char)
        if code <= 0x1F or 0x7F <= code <= 0x9F:
            return f"control character U+{code:04X} is not allowed in a name"
        return f"{char!r} is not allowed in a name (Jenkins rejects any of {UNSAFE})"
    if name.strip().endswith("."):
        return "a name cannot end with '.'"
    return None


def full_name_problem(full_name: str) -> str | None:
    """Why a full name (`folder/job`) has a part Jenkins rejects, or None."""
    for part in full_name.split("/"):
        problem = name_problem(part)
        if problem is not None:
            return f"{part!r}: {problem}" if part else problem
    return None


# `metric_job` of each ASCII character, for `str.translate`.
_ASCII_METRIC = {code: metric_job(chr(code)) for code in range(128)}


def metric_name(full_name: str) -> str:
    """`metric_job(full_name)`: it maps a name character by character, so an ASCII name
    (nearly every one) maps through a table, without a Python step per character."""
    return full_name.translate(_ASCII_METRIC) if full_name.isascii() else metric_job(full_name)


def metric_collisions(jobs: Iterable[tuple[str, Location]]) -> list[Problem]:
    """Jobs whose metric and check names (`metric_job`) would be the same: one problem
    for each of them, naming the others."""
    by_metric: dict[str, list[tuple[str, Location]]] = defaultdict(list)
    for full_name, where in jobs:
        by_metric[metric_name(full_name)].append((full_name, where))
    problems = []
    for metric, claimants in sorted(by_metric.items()):
        if len(claimants) < 2:
            continue
        for full_name, where in sorted(claimants):
            others = ", ".join(repr(name) for name, _ in sorted(claimants) if name != full_name)
            problems.append(Problem(where, f"job {full_name!r} and {others} have the same "
                                    f"metric and check name {metric!r} (jobsmith.{metric}); "
                                    "rename one of them"))
    return problems
