"""A job whose name Jenkins accepts but that is not ASCII (`reports/rapport-qualité`)
works end to end: generated, its pipeline's step run as Jenkins would run it, its
metrics reach the reference statsd daemon and its check result reaches Sensu under
names both accept."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from jobsmith.generator import generate
from tests.support.pipeline_ast import calls, parse_files
from tests.wrapper.conftest import StatsdDaemon, run_wrapper
from tests.wrapper.fake_sensu import FakeSensu
from tests.wrapper.test_metrics import wait_for_counter


def test_rapport_qualite_end_to_end(tmp_path: Path, statsd_daemon: StatsdDaemon,
                                    fake_sensu: FakeSensu, wrapper_env: dict[str, str]) -> None:
    jobs = tmp_path / "jobs" / "reports"
    jobs.mkdir(parents=True)
    (jobs / "rapport-qualité.yaml").write_text("command: echo prêt\n", encoding="utf-8")
    generate(tmp_path / "jobs", tmp_path / "out")
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert '"reports/rapport-qualité"' in manifest
    pipeline = tmp_path / "out" / "pipelines" / "reports" / "rapport-qualité.groovy"
    (sh,) = calls(parse_files([pipeline])[pipeline], "sh")
    argv = shlex.split(sh.node["named"]["script"])
    assert argv[:4] == ["jobsmith", "run", "--job", "reports/rapport-qualité"]
    env = dict(wrapper_env, JOBSMITH_STATSD=statsd_daemon.address,
               JOBSMITH_SENSU=fake_sensu.tcp_url)
    result = run_wrapper(argv[2:], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "prêt\n"
    counters = wait_for_counter(statsd_daemon, "jobsmith.reports.rapport-qualit_.runs", 1)
    assert counters["jobsmith.reports.rapport-qualit_.success"] == 1
    (check,) = fake_sensu.wait_for(1)
    assert check["name"] == "jobsmith.reports.rapport-qualit_"
    assert re.fullmatch(r"[\w.-]+", check["name"], re.ASCII)
    assert check["job"] == "reports/rapport-qualité"
