"""A build made of parts: what each `--stage` part records, and the build's one result.

A part (`jobsmith run --stage NAME`) sends its metrics under `<job>.stages.<stage>.`
and adds its retries and timeouts to the build's counters (statsd counters add up),
but sends no Sensu result: Sensu keeps the last result of a check, so a later stage's
OK would resolve an earlier stage's failure. With `--record FILE` it writes its outcome
(`part_record`) for the pipeline, which hands the failing part's record to the finish
step in `JOBSMITH_FAILED_PART`.

The finish step (`jobsmith run --finish RESULT`, in the pipeline's `post { always }`)
sends the build's one result: `build_outcome` maps Jenkins' result to a Sensu status.
An aborted build is a warning, a superseded or skipped one (NOT_BUILT) is OK: neither
is a failure, and both keep the TTL. When the last completed build that did its work
(the pipeline passes it, skipping aborted and not-built builds) failed, an aborted
or skipped build keeps the check critical (it proves nothing about the failure).
"""

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from jobsmith.wrapper.runner import RunReport

FAILED_PART_VARIABLE = "JOBSMITH_FAILED_PART"
OUTPUT_LIMIT = 4096


def part_record(
    report: "RunReport", stage: str, summary: str, tail: bytes
) -> dict[str, str | int | None]:
    """What a part tells the finish step about itself (`tail` already masked)."""
    return {
        "stage": stage,
        "exit_code": report.exit_code,
        "timed_out": bool(report.last.timed_out),
        "attempts": report.attempts,
        "summary": summary,
        "tail": tail[-OUTPUT_LIMIT:].decode("utf-8", errors="replace"),
        "host": _host(),
        # A workspace keeps its files from build to build: the finish step only takes
        # the record of its own build (Jenkins' BUILD_TAG is jenkins-<job>-<number>).
        "build_tag": os.environ.get("BUILD_TAG"),
    }


def record_text(record: dict[str, str | int | None]) -> str:
    """`record` as JSON text, ASCII only (what `json.dumps` gives).

    Not through the `json` module: it imports `re` and `enum`, which would be most of
    the start-up time of every stage step. `_json` is the C part of `json`.
    """
    from _json import encode_basestring_ascii as quoted

    def value_text(value: str | int | None) -> str:
        if value is None or isinstance(value, bool):
            return {None: "null", True: "true", False: "false"}[value]
        return str(value) if isinstance(value, int) else quoted(value)

    return "{" + ", ".join(f"{quoted(key)}: {value_text(value)}"
                           for key, value in record.items()) + "}"


def failed_part(environ: "Mapping[str, str]") -> "dict[str, Any] | None":
    """The failing part's record from `JOBSMITH_FAILED_PART`; None when unset or unusable."""
    import json

    text = environ.get(FAILED_PART_VARIABLE, "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("stage"), str):
        return None
    tag = environ.get("BUILD_TAG")
    if tag and value.get("build_tag") not in (None, tag):
        return None  # left in the workspace by an earlier build
    return value


class BuildOutcome:
    """The build-level result's status, exit code, summary and output tail."""

    __slots__ = ("exit_code", "failed_stage", "outcome", "status", "summary", "tail")

    def __init__(
        self, outcome: str, status: int, exit_code: int, summary: str, tail: str,
        failed_stage: str | None,
    ) -> None:
        self.outcome = outcome
        self.status = status
        self.exit_code = exit_code
        self.summary = summary
        self.tail = tail
        self.failed_stage = failed_stage


def build_outcome(
    job: str,
    result: str,
    *,
    duration: float,
    max_duration: float | None,
    part: "dict[str, Any] | None",
    number: int | None = None,
    previous: str | None = None,
) -> BuildOutcome:
    """The one result of a build whose Jenkins result is `result`."""
    # Here, not at the top: a stage step writes its record without the alert modules.
    from jobsmith.wrapper.alerts import STATUS_CRITICAL, STATUS_OK, STATUS_WARNING
    from jobsmith.wrapper.runner import seconds_text

    build = f"{job} #{number}" if number is not None else job
    took = f"in {seconds_text(duration)}"
    if result == "FAILURE":
        if part is not None:
            code = part.get("exit_code")
            exit_code = code if isinstance(code, int) and not isinstance(code, bool) else 1
            stage = str(part["stage"])
            line = f"{build} failed in stage {stage} (exit {exit_code}) {took}"
            summary = f"{line}: {part.get('summary', '')}".rstrip(": ")
            return BuildOutcome("failure", STATUS_CRITICAL, exit_code, summary,
                                str(part.get("tail", "")), stage)
        return BuildOutcome("failure", STATUS_CRITICAL, 1,
                            f"{build} failed outside a jobsmith step {took}; see the build log",
                            "", None)
    if result in ("SUCCESS", "UNSTABLE"):
        slow = max_duration is not None and duration > max_duration
        status = STATUS_WARNING if slow or result == "UNSTABLE" else STATUS_OK
        word = "succeeded" if result == "SUCCESS" else "is unstable"
        summary = f"{build} {word} {took}"
        if slow and max_duration is not None:
            summary += f", longer than {seconds_text(max_duration)}"
        return BuildOutcome(result.lower(), status, 0, summary, "", None)
    # Not a failure: the build was stopped (ABORTED) or never did its work (NOT_BUILT:
    # superseded by a newer build, or skipped because the previous one still runs).
    if result == "ABORTED":
        outcome, status, words = "aborted", STATUS_WARNING, "was aborted"
    else:
        outcome, status, words = "not_built", STATUS_OK, "did not run (superseded or skipped)"
    summary = f"{build} {words} {took}; not a failure"
    if previous == "FAILURE":
        status = STATUS_CRITICAL
        summary += "; the last completed build failed, so the check stays critical"
    return BuildOutcome(outcome, status, 0, summary, "", None)


def _host() -> str:
    return os.uname().nodename
