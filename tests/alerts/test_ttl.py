"""The missed-run TTL: table-driven over schedules, bounds, overshoot, waits, `skip`.

Sensu 1.x raises the TTL event when `now - executed >= ttl` for a check's last result
(`create_check_ttl_results` in sensu's `lib/sensu/server/process.rb`), `executed`
being the build's start; the next build's result must arrive before that.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from jobsmith.generator.ttl import GRACE, expectation
from jobsmith.spec import load_tree

HOUR = 3600


def job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: dict[str, object]):
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "j.yaml").write_text(yaml.safe_dump(spec))
    monkeypatch.chdir(tmp_path)
    return load_tree(Path("jobs")).jobs["j"]


@pytest.mark.parametrize(
    ("spec", "ttl", "run_bound", "bounded"),
    [
        # hourly, a 10-minute timeout: outer bound 10m + kill 10s + 60s margin = 670 s
        ({"schedule": "0 * * * *", "timeout": "10m", "command": "x"},
         HOUR + 670 + GRACE, 670 + GRACE, True),
        # a daily job without any bound: the documented default L = the gap (1 day)
        ({"schedule": "0 2 * * *", "command": "x"},
         2 * 24 * HOUR + GRACE, 24 * HOUR + GRACE, False),
        # alerts.max_duration bounds it when there is no timeout
        ({"schedule": "0 2 * * *", "command": "x", "alerts": {"max_duration": "2h"}},
         24 * HOUR + 2 * HOUR + GRACE, 2 * HOUR + GRACE, True),
        # a run longer than the gap: the next one waits for it (max(gap, L) + L)
        ({"schedule": "*/15 * * * *", "command": "x", "alerts": {"max_duration": "1h"}},
         2 * HOUR + GRACE, HOUR + GRACE, True),
        # a lock held elsewhere for up to two hours: a run may wait that long, and the
        # next one (queued behind it) too (the alert simulation's "lock held 2h")
        ({"schedule": "0 * * * *", "command": "x", "lock": "db",
          "alerts": {"max_duration": "5m", "max_wait": "2h"}},
         2 * (300 + 2 * HOUR) + GRACE, 300 + 2 * HOUR + GRACE, True),
        # concurrency: skip, a run longer than the gap (1h5m + 10s kill + 60s = 3970 s):
        # the next run starts at the first tick after it, and runs up to the next tick
        ({"schedule": "0 * * * *", "command": "x", "timeout": "65m", "concurrency": "skip"},
         3970 + HOUR + HOUR + GRACE, 3970 + GRACE, True),
        # concurrency: skip, a short run: the next starts within the gap
        ({"schedule": "0 * * * *", "command": "x", "timeout": "10m", "concurrency": "skip"},
         670 + HOUR + 670 + GRACE, 670 + GRACE, True),
    ],
)
def test_expectation(
    spec: dict[str, object], ttl: float, run_bound: float, bounded: bool,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = expectation(job(tmp_path, monkeypatch, spec))
    assert expected is not None
    assert (expected.ttl, expected.run_bound, expected.bounded) == (ttl, run_bound, bounded)


@pytest.mark.parametrize(
    "spec",
    [
        {"command": "x"},
        {"schedule": "0 2 * * *", "command": "x", "disabled": True},
        {"schedule": "0 2 * * *", "command": "x", "alerts": {"missed_runs": False}},
    ],
)
def test_no_expectation(
    spec: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert expectation(job(tmp_path, monkeypatch, spec)) is None
