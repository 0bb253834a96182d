"""How long each stage of each job takes: from a file, from Jenkins, or estimated.

A durations file is JSON, `{"data/etl": 900, "reports/weekly": {"extract": 300,
"render": "2m"}}` (a whole build, or stage by stage), or CSV lines
`job,seconds` / `job,stage,seconds`, with an optional header line naming those
columns. Values are seconds or duration strings (`90s`, `20m`).

Without a figure the estimate comes from the spec (documented in docs/forecast.md):
half the stage's `timeout`, else half the job's `timeout`, else DEFAULT_STAGE_SECONDS.
A whole-build figure is shared among the stages in proportion to those estimates.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jobsmith.durations import DurationError, parse_duration
from jobsmith.errors import EXIT_USAGE, JobsmithError

DEFAULT_STAGE_SECONDS = 120.0
JENKINS_BUILDS = 10  # recent successful builds whose median is the job's figure
_HEADERS = (("job", "seconds"), ("job", "stage", "seconds"))


class DurationsError(JobsmithError):
    """A durations file that cannot be read; the message names the place."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Durations:
    """Known figures: `builds` per job (whole build), `stages` per (job, stage)."""

    builds: dict[str, float] = field(default_factory=dict)
    stages: dict[tuple[str, str], float] = field(default_factory=dict)
    source: str = "estimated from the specs"


def _seconds(value: Any, where: str) -> float:
    try:
        seconds = parse_duration(value)
    except DurationError as error:
        raise DurationsError(f"{where}: {error}") from None
    return seconds


def parse_json(text: str, name: str) -> Durations:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"{name}:{error.lineno}:{error.colno}"
        raise DurationsError(f"{where}: not JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise DurationsError(f"{name}: expected an object of job names, found "
                             f"{type(data).__name__}")
    builds: dict[str, float] = {}
    stages: dict[tuple[str, str], float] = {}
    for job, value in data.items():
        if isinstance(value, dict):
            for stage, seconds in value.items():
                stages[job, stage] = _seconds(seconds, f"{name}: {job} / {stage}")
        else:
            builds[job] = _seconds(value, f"{name}: {job}")
    return Durations(builds, stages, name)


def parse_csv(text: str, name: str) -> Durations:
    builds: dict[str, float] = {}
    stages: dict[tuple[str, str], float] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not cells or cells == [""] or cells[0].startswith("#"):
            continue
        if number == 1 and tuple(cell.lower() for cell in cells) in _HEADERS:
            continue
        where = f"{name}:{number}"
        if len(cells) == 2:
            builds[cells[0]] = _seconds(cells[1], where)
        elif len(cells) == 3:
            stages[cells[0], cells[1]] = _seconds(cells[2], where)
        else:
            raise DurationsError(f"{where}: expected job,seconds or job,stage,seconds; "
                                 f"found {len(cells)} fields")
    return Durations(builds, stages, name)


def load_file(path: Path) -> Durations:
    """JSON when the file starts with `{`, else CSV."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DurationsError(f"cannot read --durations {path}: {error}") from None
    if text.lstrip().startswith("{"):
        return parse_json(text, str(path))
    return parse_csv(text, str(path))


class BuildHistory(Protocol):
    """What `from_jenkins` needs of `jobsmith.seed.connection.JenkinsClient`."""

    def job_json(self, full_name: str, tree: str | None = None) -> dict[str, Any]: ...


def from_jenkins(client: BuildHistory, jobs: Iterable[str]) -> Durations:
    """The median duration of each job's last successful builds (`api/json` with a
    `tree` of `builds[result,duration]`, newest first as Jenkins lists them). Jobs not
    on Jenkins yet, or without a successful build, keep their spec estimate."""
    from jobsmith.seed.errors import UnknownJobError

    builds: dict[str, float] = {}
    tree = f"builds[result,duration,building]{{0,{JENKINS_BUILDS * 3}}}"
    for job in jobs:
        try:
            data = client.job_json(job, tree=tree)
        except UnknownJobError:
            continue
        good = [float(b.get("duration") or 0) / 1000 for b in data.get("builds") or []
                if b.get("result") == "SUCCESS" and not b.get("building")][:JENKINS_BUILDS]
        if good:
            builds[job] = statistics.median(good)
    return Durations(builds, {}, "Jenkins build history")
