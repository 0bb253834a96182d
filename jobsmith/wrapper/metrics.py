"""statsd metrics of one run, sent over UDP with the `statsd` package.

For `<prefix>.<job>`: timer `.duration` (ms, whole run, retries and waits included),
counters `.runs` (1), `.success` and `.failure` (1 or 0: every counter is sent, so
each series exists from the first run), `.timeout` (attempts that timed out),
`.retries` (attempts after the first), and gauge `.exit_code`. One pipeline, so
they leave in as few datagrams as possible. UDP never waits for the daemon.

A build of several parts: each part (`--stage S`) sends the same names under
`<job>.stages.<S>.` and adds its `.timeout` and `.retries` to the build's counters;
the finish step sends the build's `.duration`, `.runs`, `.success`, `.failure` and
`.exit_code`. So `.runs` counts builds, not stages, and the counters add up.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from jobsmith.wrapper.runner import RunReport


def metric_job(full_name: str) -> str:
    """`data/nightly-backup` -> `data.nightly-backup`; other odd characters -> `_`."""
    return "".join(
        "." if char == "/" else char if char.isascii() and (char.isalnum() or char in "_-") else "_"
        for char in full_name
    )


def run_metrics(report: "RunReport") -> list[tuple[str, str, float]]:
    """(kind, name, value) of every metric of `report`, names without the prefix."""
    job = metric_job(report.job)
    succeeded = report.exit_code == 0
    failed = not succeeded and report.stop_signal is None  # a stopped run did not fail
    return [
        ("timing", f"{job}.duration", round(report.duration * 1000.0, 3)),
        ("incr", f"{job}.runs", 1),
        ("incr", f"{job}.success", 1 if succeeded else 0),
        ("incr", f"{job}.failure", 1 if failed else 0),
        ("incr", f"{job}.timeout", report.timeouts),
        ("incr", f"{job}.retries", max(report.attempts - 1, 0)),
        ("gauge", f"{job}.exit_code", report.exit_code),
    ]


def part_metrics(report: "RunReport", stage: str) -> list[tuple[str, str, float]]:
    """A part's metrics: its own under `<job>.stages.<stage>.`, plus its share of the
    build's `.timeout` and `.retries` counters."""
    job = metric_job(report.job)
    own = [
        (kind, f"{job}.stages.{metric_job(stage).replace('.', '_')}.{name[len(job) + 1:]}",
         value)
        for kind, name, value in run_metrics(report)
    ]
    return [
        *own,
        ("incr", f"{job}.timeout", report.timeouts),
        ("incr", f"{job}.retries", max(report.attempts - 1, 0)),
    ]


def build_metrics(
    job_name: str, outcome: str, exit_code: int, duration: float
) -> list[tuple[str, str, float]]:
    """The finish step's metrics of a whole build (`outcome` as in BuildOutcome)."""
    job = metric_job(job_name)
    return [
        ("timing", f"{job}.duration", round(duration * 1000.0, 3)),
        ("incr", f"{job}.runs", 1),
        ("incr", f"{job}.success", 1 if outcome in ("success", "unstable") else 0),
        ("incr", f"{job}.failure", 1 if outcome == "failure" else 0),
        ("gauge", f"{job}.exit_code", exit_code),
    ]


def send_metrics(report: "RunReport", host: str, port: int, prefix: str) -> None:
    """Send `report`'s metrics to the statsd daemon at host:port. Raises OSError."""
    send_values(run_metrics(report), host, port, prefix)


def send_values(
    metrics: list[tuple[str, str, float]], host: str, port: int, prefix: str
) -> None:
    """Send (kind, name, value) metrics to the statsd daemon. Raises OSError."""
    from statsd import StatsClient

    client = StatsClient(host, port, prefix=prefix, ipv6=":" in host)
    try:
        with client.pipeline() as pipe:
            for kind, name, value in metrics:
                if kind == "timing":
                    pipe.timing(name, value)
                elif kind == "incr":
                    pipe.incr(name, int(value))
                else:
                    pipe.gauge(name, value)
    finally:
        client.close()
