"""Run real Groovy 2.4 (the Debian package) over many files or literals in one JVM."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).parent
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("JAVA_HOME", JAVA_HOME)
    return env


def groovy_available() -> bool:
    return shutil.which("groovy") is not None


def require_groovy() -> None:
    if not groovy_available():  # `make test` installs it; a bare pytest run may not have it
        pytest.fail("groovy is not installed: run `make test` (it installs Debian's groovy)")


def run_over_files(script: str, paths: list[Path]) -> tuple[dict[str, tuple[str, str]], str]:
    """Run one of our Groovy scripts over many files in one JVM.

    The script prints `STATUS<TAB>path[<TAB>payload]` per file; returns path ->
    (STATUS, payload) for the OK and FAIL lines, and the JVM's stderr."""
    require_groovy()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(str(p) for p in paths))
    try:
        result = subprocess.run(
            ["groovy", str(HERE / script), f"@{listing.name}"],
            capture_output=True, text=True, env=_env(), timeout=600,
        )
    finally:
        os.unlink(listing.name)
    reports: dict[str, tuple[str, str]] = {}
    for line in result.stdout.splitlines():
        status, _, rest = line.partition("\t")
        path, _, payload = rest.partition("\t")
        if status in ("OK", "FAIL"):
            reports[path] = (status, payload)
    missing = [str(p) for p in paths if str(p) not in reports]
    assert not missing, f"groovy did not report on {missing[:3]}: {result.stderr[-2000:]}"
    return reports, result.stderr


def compile_files(paths: list[Path]) -> dict[str, str | None]:
    """path -> None when it compiles, else the compiler's message."""
    reports, _ = run_over_files("groovy_check.groovy", paths)
    return {path: None if status == "OK" else message
            for path, (status, message) in reports.items()}


def evaluate_literals(expressions: list[str]) -> list[str]:
    """The value of each Groovy expression (one line each), evaluated by Groovy."""
    require_groovy()
    for expression in expressions:
        assert "\n" not in expression and "\r" not in expression
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8",
                                     delete=False) as source:
        source.write("\n".join(expressions) + "\n")
    try:
        result = subprocess.run(
            ["groovy", str(HERE / "groovy_eval.groovy"), source.name],
            capture_output=True, text=True, env=_env(), timeout=600,
        )
    finally:
        os.unlink(source.name)
    assert result.returncode == 0, result.stderr[-3000:]
    values = []
    for line in result.stdout.splitlines():
        units = bytes.fromhex(line)
        values.append(units.decode("utf-16-be", errors="surrogatepass"))
    assert len(values) == len(expressions), result.stderr[-2000:]
    return values
