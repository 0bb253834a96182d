"""A Sensu check of the Jenkins controller: one line of output, status 0/1/2.

Checks, each OK (0), WARNING (1) or CRITICAL (2); the worst one wins:
- reachable: the API root answers as Jenkins with our credentials (else CRITICAL);
- metrics: the Metrics plugin's health checks (`metrics/<key>/healthcheck`, which
  answers 500 when one is unhealthy) - only with a metrics access key;
- agents: online agents per label against `--min-agents LABEL=N` (below: CRITICAL);
- queue: items waiting (WARNING above `queue_warn`, CRITICAL above `queue_crit`,
  WARNING when Jenkins marks one stuck);
- seed: age of the last successful seed build (WARNING when its last build failed,
  when it never succeeded, or when older than `seed_max_age`);
- plugins: every plugin the generated jobs need (the `plugins` list of the manifest that
  the last successful seed build archived, `out/manifest.json`) is installed and active
  (else CRITICAL: Job DSL drops the `configure {}` XML of a missing plugin silently,
  and a pipeline step of a missing plugin fails only when a build reaches it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from jobsmith.durations import format_duration
from jobsmith.seed.connection import JenkinsClient, job_path
from jobsmith.seed.errors import JenkinsError, UsageError

OK, WARNING, CRITICAL = 0, 1, 2
_WORDS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL"}


@dataclass(frozen=True)
class Check:
    name: str
    status: int
    message: str


@dataclass(frozen=True)
class HealthReport:
    checks: tuple[Check, ...]

    @property
    def status(self) -> int:
        return max((c.status for c in self.checks), default=OK)

    def line(self) -> str:
        """`JENKINS WARNING: queue 12 waiting; agents linux 3/2 online; ...` - the
        failing checks first."""
        ordered = sorted(self.checks, key=lambda c: -c.status)
        return f"JENKINS {_WORDS[self.status]}: " + "; ".join(c.message for c in ordered)


@dataclass(frozen=True)
class HealthOptions:
    min_agents: Mapping[str, int]
    metrics_key: str | None = None
    seed_name: str = "seed"
    seed_max_age_s: float | None = None
    queue_warn: int = 10
    queue_crit: int = 50


def parse_min_agents(pairs: list[str]) -> dict[str, int]:
    wanted: dict[str, int] = {}
    for pair in pairs:
        label, sep, count = pair.rpartition("=")
        if not sep or not label or not count.isdigit():
            raise UsageError(f"--min-agents {pair!r}: expected LABEL=N, such as linux=2")
        wanted[label] = int(count)
    return wanted


def check_health(client: JenkinsClient, options: HealthOptions, now: datetime) -> HealthReport:
    try:
        client.root()
    except JenkinsError as error:
        return HealthReport((Check("reachable", CRITICAL, f"unreachable: {error}"),))
    checks = [Check("reachable", OK, f"Jenkins {client.version} reachable")]
    for probe in (_metrics, _agents, _queue, _seed, _plugins):
        try:
            checks.extend(probe(client, options, now))
        except JenkinsError as error:
            checks.append(Check(probe.__name__.strip("_"), CRITICAL, str(error)))
    return HealthReport(tuple(checks))


def _metrics(client: JenkinsClient, options: HealthOptions, _now: datetime) -> list[Check]:
    if not options.metrics_key:
        return []
    response = client.get_lenient(f"metrics/{options.metrics_key}/healthcheck", accept={500, 403})
    if response.status_code == 403:
        return [Check("metrics", CRITICAL, "metrics access key refused (403)")]
    try:
        results = response.json()
    except ValueError:
        return [Check("metrics", CRITICAL, "metrics healthcheck did not answer JSON")]
    failing = sorted(name for name, r in results.items() if not (r or {}).get("healthy"))
    if failing or response.status_code == 500:
        messages = {n: (results.get(n) or {}).get("message") or "unhealthy" for n in failing}
        detail = ", ".join(f"{name} ({text})" for name, text in messages.items())
        return [Check("metrics", CRITICAL, f"health checks failing: {detail or 'HTTP 500'}")]
    return [Check("metrics", OK, f"{len(results)} health checks pass")]


def _agents(client: JenkinsClient, options: HealthOptions, _now: datetime) -> list[Check]:
    if not options.min_agents:
        return []
    data = client.get_json("computer/api/json",
                           {"tree": "computer[displayName,offline,assignedLabels[name]]"})
    online: dict[str, int] = {label: 0 for label in options.min_agents}
    for computer in data.get("computer") or []:
        if computer.get("offline"):
            continue
        labels = {str(lbl.get("name")) for lbl in computer.get("assignedLabels") or []}
        for label in online:
            if label in labels:
                online[label] += 1
    checks = []
    for label, minimum in sorted(options.min_agents.items()):
        count = online[label]
        status = CRITICAL if count < minimum else OK
        checks.append(Check("agents", status, f"agents {label} {count}/{minimum} online"))
    return checks


def _queue(client: JenkinsClient, options: HealthOptions, _now: datetime) -> list[Check]:
    data = client.get_json("queue/api/json", {"tree": "items[id,stuck,why]"})
    items = data.get("items") or []
    stuck = sum(1 for item in items if item.get("stuck"))
    status = OK
    if len(items) > options.queue_warn or stuck:
        status = WARNING
    if len(items) > options.queue_crit:
        status = CRITICAL
    stuck_text = f", {stuck} stuck" if stuck else ""
    return [Check("queue", status, f"queue {len(items)} waiting{stuck_text}")]


def _seed(client: JenkinsClient, options: HealthOptions, now: datetime) -> list[Check]:
    name = options.seed_name
    info = client.optional_json(
        job_path(name) + "api/json",
        {"tree": "lastBuild[number,result,timestamp],lastSuccessfulBuild[number,timestamp]"},
    )
    if info is None:
        return [Check("seed", WARNING, f"seed job {name!r} not found")]
    success = info.get("lastSuccessfulBuild")
    last = info.get("lastBuild")
    if not success:
        return [Check("seed", WARNING, f"seed {name!r} never succeeded")]
    when = datetime.fromtimestamp(int(success["timestamp"]) / 1000, UTC)
    age = max((now - when).total_seconds(), 0.0)
    age_text = f"seed #{success['number']} succeeded {format_duration(round(age))} ago"
    if last and last.get("number") != success.get("number") and last.get("result") not in (
        None, "SUCCESS",
    ):
        return [Check("seed", WARNING, f"{age_text}, but #{last['number']} {last['result']}")]
    if options.seed_max_age_s is not None and age > options.seed_max_age_s:
        limit = format_duration(round(options.seed_max_age_s))
        return [Check("seed", WARNING, f"{age_text} (older than {limit})")]
    return [Check("seed", OK, age_text)]


# Where the seed pipeline archives the manifest (Jenkinsfile: `jobsmith generate ... -o out`,
# archiveArtifacts 'out/**').
SEED_MANIFEST = "lastSuccessfulBuild/artifact/out/manifest.json"


def _plugins(client: JenkinsClient, options: HealthOptions, _now: datetime) -> list[Check]:
    manifest = client.optional_json(job_path(options.seed_name) + SEED_MANIFEST)
    needed = manifest.get("plugins") if isinstance(manifest, dict) else None
    if not isinstance(needed, list):
        return []  # no successful seed build yet (the seed check says so), or an older one
    data = client.get_json("pluginManager/api/json",
                           {"tree": "plugins[shortName,version,active,enabled]"})
    active = {str(p.get("shortName")) for p in data.get("plugins") or [] if p.get("active")}
    missing = sorted(str(name) for name in needed if name not in active)
    if missing:
        return [Check("plugins", CRITICAL, "plugins the jobs need are missing or inactive: "
                      + ", ".join(missing))]
    return [Check("plugins", OK, f"{len(needed)} plugins the jobs need are active")]
