"""The options of `jobsmith run`, parsed by hand (click would cost start-up time).

Accepts exactly the options of DESIGN.md, as `--name value` or `--name=value`, then the
command after `--` (or from the first argument that is not an option). `--help` prints
`HELP`. Every mistake raises `UsageError` (exit status 125).
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

HELP = """\
usage: jobsmith run --job FULL_NAME [options] -- COMMAND [ARGS...]
       jobsmith run --job FULL_NAME [options] --artifact URL --sha256 HEX -- [ARGS...]
       jobsmith run --job FULL_NAME --finish RESULT [build options]
       jobsmith run --drain [--timeout DUR]

Run COMMAND as one step of job FULL_NAME: in its own process group, with a timeout,
retries, statsd metrics and a Sensu check result. With --stage, the run is one part
of a larger build (stage metrics only); --finish reports the whole build; --drain
sends the alerts waiting in JOBSMITH_OUTBOX (within --timeout, default 8s), no command.

options:
  --job FULL_NAME         the job's full name, e.g. data/nightly-backup (required)
  --timeout DUR           time limit of each attempt (default: none)
  --kill-after DUR        SIGKILL this long after SIGTERM (default: 10s)
  --retries N             retries after the first attempt (default: 0)
  --backoff DUR           wait before the first retry, doubled for each next one (default: 10s)
  --max-backoff DUR       longest wait between attempts (default: 10m)
  --retry-on CODES        retry only on these exit statuses, e.g. 75,124 (default: any
                          non-zero status and timeouts)
  --max-duration DUR      a run that succeeds but takes longer is a warning
  --ttl DUR               Sensu raises an alert when no result arrives within DUR (>= 5s)
  --alert-handlers LIST   Sensu handlers, comma separated
  --artifact URL          download the program to run from URL (http or https), verify it,
                          cache it by checksum and run it with ARGS; needs --sha256
  --sha256 HEX            the artifact's SHA-256 checksum (64 hex digits)
  --requires VERSION      fail at once (exit 125) when this jobsmith is older than VERSION
  --stage NAME            this run is stage NAME of a build: metrics under
                          <job>.stages.<stage>., no Sensu result (the build sends one)
  --record FILE           (with --stage) write the stage's outcome to FILE as JSON
  --finish RESULT         no command: send the build's one result; RESULT is Jenkins'
                          currentBuild.currentResult (SUCCESS, UNSTABLE, FAILURE,
                          ABORTED, NOT_BUILT); the failing stage's record comes from
                          JOBSMITH_FAILED_PART
  --build-started MS      (with --finish) the build's start, epoch milliseconds
  --build-number N        (with --finish) the build's number
  --previous-result RESULT (with --finish) the last completed build's result: an
                          aborted or skipped build keeps a failure critical
  -h, --help              show this message

Durations: 90s, 30m, 1h30m, 2d or a number of seconds.
Environment: JOBSMITH_STATSD=host:port, JOBSMITH_STATSD_PREFIX (default jobsmith),
JOBSMITH_SENSU=tcp://host:port | udp://host:port | http://host:port/events,
JOBSMITH_OUTBOX=DIR, JOBSMITH_MASK=VAR,... (values hidden in alerts), BUILD_URL,
JOBSMITH_CACHE=DIR (artifact cache, default ~/.cache/jobsmith).
Exit status: the final attempt's status; 124 timed out; 128+N killed by signal N;
125 wrapper failed or misused; 126 command not executable; 127 command not found.
"""

EXIT_WRAPPER_FAILED = 125  # the wrapper failed or was misused (as coreutils `timeout`)
DEFAULT_KILL_AFTER = 10.0
DELIVERY_SECONDS = 2.0  # one deadline for metrics and alerts after the command ended
DEFAULT_BACKOFF = 10.0
DEFAULT_MAX_BACKOFF = 600.0
MIN_TTL = 5  # Sensu Go rejects a check TTL under 5 s (and Sensu 1.x one under 1 s).

_VALUED = (
    "--job",
    "--timeout",
    "--kill-after",
    "--retries",
    "--backoff",
    "--max-backoff",
    "--retry-on",
    "--max-duration",
    "--ttl",
    "--alert-handlers",
    "--artifact",
    "--sha256",
    "--requires",
    "--stage",
    "--record",
    "--finish",
    "--build-started",
    "--build-number",
    "--previous-result",
)
FLAGS = ("--drain",)  # options without a value (jobsmith/wrapper/drain.py parses them)
JENKINS_RESULTS = ("SUCCESS", "UNSTABLE", "FAILURE", "ABORTED", "NOT_BUILT")


class RunOptions:
    """What one `jobsmith run` was asked to do; durations are seconds."""

    __slots__ = (
        "alert_handlers",
        "artifact",
        "backoff",
        "build_number",
        "build_started",
        "command",
        "finish",
        "job",
        "kill_after",
        "max_backoff",
        "max_duration",
        "previous_result",
        "record",
        "retries",
        "retry_on",
        "sha256",
        "stage",
        "timeout",
        "ttl",
    )

    def __init__(
        self,
        job: str,
        command: list[str],
        *,
        timeout: float | None = None,
        kill_after: float = DEFAULT_KILL_AFTER,
        retries: int = 0,
        backoff: float = DEFAULT_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        retry_on: frozenset[int] | None = None,
        max_duration: float | None = None,
        ttl: int | None = None,
        alert_handlers: tuple[str, ...] = (),
        artifact: str | None = None,
        sha256: str | None = None,
        stage: str | None = None,
        record: str | None = None,
        finish: str | None = None,
        build_started: float | None = None,
        build_number: int | None = None,
        previous_result: str | None = None,
    ) -> None:
        self.job = job
        self.command = command
        self.timeout = timeout
        self.kill_after = kill_after
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retry_on = retry_on
        self.max_duration = max_duration
        self.ttl = ttl
        self.alert_handlers = alert_handlers
        self.artifact = artifact
        self.sha256 = sha256
        self.stage = stage  # a part of a build: stage metrics, no Sensu result
        self.record = record
        self.finish = finish  # the build's Jenkins result: send the build-level result
        self.build_started = build_started  # epoch seconds
        self.build_number = build_number
        self.previous_result = previous_result

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"RunOptions({fields})"


class HelpRequested(Exception):
    """`--help` was given: print `HELP` and exit 0."""


DRAIN_OPTION = "--drain"


def wants_drain(argv: list[str]) -> bool:
    """Whether `jobsmith run ARGV` is the drain (`drain.py`): `--drain` among the options
    (before `--` and the command). Here, so that a job step does not load the drain."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == DRAIN_OPTION:
            return True
        if arg == "--" or not arg.startswith("-"):
            return False
        index += 2 if arg in _VALUED else 1  # `--job NAME`: NAME is no command
    return False


def parse_args(argv: list[str]) -> RunOptions:
    """`RunOptions` from the arguments after `run`; raises UsageError or HelpRequested."""
    _check_requires(argv)
    values: dict[str, str] = {}
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            index += 1
            break
        if arg in ("-h", "--help"):
            raise HelpRequested()
        if not arg.startswith("-") or arg == "-":
            break
        name, has_value, value = arg.partition("=")
        if name not in _VALUED:
            _usage(f"unknown option {name!r}{_suggest(name)}")
        if not has_value:
            index += 1
            if index >= len(argv):
                _usage(f"option {name} needs a value")
            value = argv[index]
        if name in values:
            _usage(f"option {name} given twice")
        values[name] = value
        index += 1
    command = argv[index:]
    if "--job" not in values:
        _usage("--job FULL_NAME is required")
    artifact, sha256 = _artifact(values.get("--artifact"), values.get("--sha256"))
    build = _build_options(values, bool(command) or artifact is not None)
    if not command and artifact is None and build["finish"] is None:
        _usage("no command given; put it after --")
    job = values["--job"]
    if not job.strip() or job != job.strip():
        _usage(f"--job {job!r} is not a job name")
    return RunOptions(
        job,
        command,
        timeout=_positive_duration(values, "--timeout"),
        kill_after=_duration(values, "--kill-after", DEFAULT_KILL_AFTER),
        retries=_retries(values.get("--retries")),
        backoff=_duration(values, "--backoff", DEFAULT_BACKOFF),
        max_backoff=_duration(values, "--max-backoff", DEFAULT_MAX_BACKOFF),
        retry_on=_codes(values.get("--retry-on")),
        max_duration=_positive_duration(values, "--max-duration"),
        ttl=_ttl(values),
        alert_handlers=_handlers(values.get("--alert-handlers")),
        artifact=artifact,
        sha256=sha256,
        **build,
    )


def _check_requires(argv: list[str]) -> None:
    """`--requires VERSION`, the jobsmith release that generated the step: checked before
    any other option, so that an older wrapper says what is wrong even when the step also
    uses options it does not know yet."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--" or not arg.startswith("-"):
            return
        name, has_value, value = arg.partition("=")
        if name == "--requires":
            if not has_value:
                value = argv[index + 1] if index + 1 < len(argv) else ""
            break
        index += 1 if has_value or name in ("-h", "--help") else 2
    else:
        return
    from jobsmith import __version__

    wanted = _release(value)
    if wanted is None:
        _usage(f"--requires {value!r} is not a jobsmith version")
    if wanted is not None and (_release(__version__) or ()) < wanted:
        _usage(f"this step needs jobsmith {value} or newer (the release that generated its "
               f"pipeline); this agent runs jobsmith {__version__}: install {value} on "
               "the agent (docs/deploy.md, Upgrading)")


def _release(version: str) -> tuple[int, ...] | None:
    """The release numbers of a version (`0.2.0rc1` -> (0, 2, 0)); None when it has none."""
    end = 0
    while end < len(version) and (version[end].isdigit() or version[end] == "."):
        end += 1
    parts = version[:end].rstrip(".").split(".")
    if not version or not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


def _build_options(values: dict[str, str], has_command: bool) -> "dict[str, Any]":
    """--stage/--record (a part of a build) and --finish and its companions."""
    stage = values.get("--stage")
    if stage is not None and (not stage.strip() or stage != stage.strip()):
        _usage(f"--stage {stage!r} is not a stage name")
    if stage is not None and "--ttl" in values:
        _usage("--ttl belongs to the build's --finish step, not to a --stage part")
    if "--record" in values and stage is None:
        _usage("--record goes with --stage")
    finish = values.get("--finish")
    if finish is not None:
        if finish not in JENKINS_RESULTS:
            _usage(f"--finish {finish!r}: expected one of {', '.join(JENKINS_RESULTS)}")
        if has_command or stage is not None:
            _usage("--finish reports a whole build: it takes no command and no --stage")
    for name in ("--build-started", "--build-number", "--previous-result"):
        if name in values and finish is None:
            _usage(f"{name} goes with --finish")
    # Empty: the pipeline's `previousCompletedBuild` was null (the first build).
    previous = values.get("--previous-result") or None
    if previous is not None and previous not in JENKINS_RESULTS:
        _usage(f"--previous-result {previous!r}: expected one of {', '.join(JENKINS_RESULTS)}")
    started = values.get("--build-started")
    if started is not None and not (started.isascii() and started.isdigit()):
        _usage(f"--build-started {started!r}: expected epoch milliseconds")
    number = values.get("--build-number")
    if number is not None and not (number.isascii() and number.isdigit()):
        _usage(f"--build-number {number!r} is not a build number")
    return {
        "stage": stage,
        "record": values.get("--record"),
        "finish": finish,
        "build_started": int(started) / 1000.0 if started is not None else None,
        "build_number": int(number) if number is not None else None,
        "previous_result": previous,
    }


def _artifact(url: str | None, sha256: str | None) -> tuple[str | None, str | None]:
    if url is None and sha256 is None:
        return None, None
    if url is None or sha256 is None:
        _usage("--artifact URL and --sha256 HEX go together")
    if not url.startswith(("http://", "https://")):
        _usage(f"--artifact {url!r}: only http:// and https:// addresses are allowed")
    digest = sha256.lower()
    if len(digest) != 64 or any(char not in "0123456789abcdef" for char in digest):
        _usage(f"--sha256 {sha256!r} is not a SHA-256 checksum (64 hex digits)")
    return url, digest


def _duration(values: dict[str, str], name: str, default: float) -> float:
    if name not in values:
        return default
    from jobsmith.durations import parse_duration

    try:
        return parse_duration(values[name])
    except ValueError as error:
        _usage(f"{name}: {error}")


def _positive_duration(values: dict[str, str], name: str) -> float | None:
    return positive_duration(name, values[name]) if name in values else None


def positive_duration(name: str, text: str) -> float:
    """Option `name`'s duration, longer than 0 (`--timeout`; the drain's too)."""
    seconds = _duration({name: text}, name, 0.0)
    if seconds <= 0:
        _usage(f"{name} must be longer than 0s")
    return seconds


def _ttl(values: dict[str, str]) -> int | None:
    seconds = _positive_duration(values, "--ttl")
    if seconds is None:
        return None
    whole = int(-(-seconds // 1))  # Sensu takes whole seconds; round up.
    if whole < MIN_TTL:
        _usage(f"--ttl must be at least {MIN_TTL}s (Sensu rejects shorter TTLs)")
    return whole


def _retries(text: str | None) -> int:
    if text is None:
        return 0
    if not text.isdigit() or not text.isascii():
        _usage(f"--retries {text!r} is not a whole number >= 0")
    return int(text)


def _codes(text: str | None) -> frozenset[int] | None:
    if text is None:
        return None
    codes = set()
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or not part.isascii() or not 1 <= int(part) <= 255:
            _usage(f"--retry-on {text!r}: each code must be a number from 1 to 255")
        codes.add(int(part))
    return frozenset(codes)


def _handlers(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    for name in names:
        if not all(char.isalnum() or char in "_.-" for char in name) or not name.isascii():
            _usage(f"--alert-handlers: {name!r} is not a handler name")
    return names


def _suggest(name: str) -> str:
    """` (did you mean --retries or --retry-on?)` for a misspelt or shortened option."""
    import difflib  # only on this error path: the wrapper starts without it

    known = [*_VALUED, *FLAGS, "--help"]
    close = difflib.get_close_matches(name, known, n=2, cutoff=0.7)
    if len(name) > 3:
        close += [option for option in known if option.startswith(name) and option not in close]
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _usage(message: str) -> "NoReturn":
    from jobsmith.wrapper.errors import UsageError

    raise UsageError(message)
