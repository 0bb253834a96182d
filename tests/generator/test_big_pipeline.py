"""The largest job jobsmith supports (MAX_STAGES stages, fan-out, parallel groups,
outputs, credentials, checkout) compiles under Groovy 2.4, and its code stays far from
the JVM's 64 KiB limit on one method.

On Jenkins the pipeline is also CPS-transformed (workflow-cps, groovy-cps), which turns
closure bodies into builder code inside the enclosing method: the whole `pipeline { }`
block then weighs on `run()`, and Declarative's script splitting that would spread it
(`RuntimeASTTransformer.SCRIPT_SPLITTING_TRANSFORMATION`) is off by default. groovy-cps
cannot run here, so the test measures the sum of `run()` and every closure's `doCall`
(what CPS puts into one method, before its own growth) and keeps it under a quarter of
the limit; the repeated fan-out code is one top-level method (`jobsmithOnEach`), outside
that sum."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from jobsmith.generator import generate
from jobsmith.spec.stages import MAX_STAGES
from tests.support.classfile import method_code_sizes
from tests.support.groovy import HERE, _env, require_groovy

JVM_METHOD_LIMIT = 65535


def _largest_spec() -> dict[str, object]:
    stages: list[object] = []
    count = 0
    while count < MAX_STAGES:
        n = len(stages)
        if n % 4 == 1 and count + 2 <= MAX_STAGES:
            stages.append({"parallel": [
                {"name": f"check {n} a", "command": f"./check.sh a {n}", "timeout": "5m"},
                {"name": f"check {n} b", "command": ["./check.sh", "b", str(n)],
                 "outputs": [f"out/{n}/"]}]})
            count += 2
            continue
        stage: dict[str, object] = {"name": f"step {n}", "command": f"./step.sh {n}",
                                    "timeout": "10m", "retries": 1, "env": {"N": str(n)}}
        if n % 4 == 3:
            stage["on_each"] = "web && linux"
        else:
            stage["agent"] = '"big box" && linux'
            stage["outputs"] = [f"report-{n}.csv"]
        stages.append(stage)
        count += 1
    return {"checkout": {"git": "https://git.example.com/big.git", "credentials": "git-ro"},
            "credentials": [{"id": "tok", "variable": "TOKEN"},
                            {"id": "db", "username": "DB_USER", "password": "DB_PASS"}],
            "parameters": [{"name": "NOTE", "type": "string"}],
            "schedule": "H * * * *", "concurrency": "skip", "lock": "big",
            "alerts": {"handlers": ["ops"], "max_duration": "2h"}, "stages": stages}


def test_largest_supported_job_compiles_and_stays_small(tmp_path: Path) -> None:
    require_groovy()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "big.yaml").write_text(yaml.safe_dump(_largest_spec()))
    generate(tmp_path / "jobs", tmp_path / "out")
    pipeline = tmp_path / "out" / "pipelines" / "big.groovy"
    result = subprocess.run(["groovy", str(HERE / "groovy_classes.groovy"),
                             str(tmp_path / "classes"), str(pipeline)],
                            capture_output=True, text=True, env=_env(), timeout=600)
    assert result.stdout.startswith("OK\t"), result.stdout + result.stderr[-2000:]
    sizes = {f"{path.stem}.{name}": size
             for path in (tmp_path / "classes").rglob("*.class")
             for name, size in method_code_sizes(path).items()}
    assert max(sizes.values()) < JVM_METHOD_LIMIT
    inlined = sum(size for name, size in sizes.items()
                  if name.startswith("big.run(") or ("$_run_closure" in name
                  and ".doCall(" in name))
    fan_out = sum(size for name, size in sizes.items() if "jobsmithOnEach" in name)
    print(f"\nlargest job: {len(pipeline.read_text().splitlines())} lines; "
          f"run() + closures {inlined} bytes; fan-out method + closures {fan_out} bytes")
    assert 0 < inlined < JVM_METHOD_LIMIT // 4
    assert fan_out > 0
