"""Where metrics and alerts go: the agent's environment, not the job's options.

`JOBSMITH_STATSD=host:port`, `JOBSMITH_STATSD_PREFIX` (default `jobsmith`),
`JOBSMITH_SENSU=tcp://host:port | udp://host:port | http://host:port/events`,
`JOBSMITH_OUTBOX=DIR`, `JOBSMITH_MASK=NAME,...`, `JOBSMITH_SENSU_SOURCE` (the Sensu 1.x
`source` / Sensu Go proxy entity of every check, default `jobsmith`) and Jenkins'
`BUILD_URL`. Unset (or
empty) means off. A value that is set but malformed is a wrapper misuse (exit 125)
before the command starts: an agent that silently dropped every alert would be worse.
"""

DEFAULT_PREFIX = "jobsmith"
SENSU_SCHEMES = ("tcp", "udp", "http")

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import NoReturn


class SensuAddress:
    """A parsed `JOBSMITH_SENSU`: scheme, host, port and (for http) the path."""

    __slots__ = ("host", "path", "port", "scheme")

    def __init__(self, scheme: str, host: str, port: int, path: str = "") -> None:
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path

    def __str__(self) -> str:  # what messages show: the address as JOBSMITH_SENSU has it
        return f"{self.scheme}://{self.host}:{self.port}{self.path}"

    def __repr__(self) -> str:
        return f"SensuAddress({self})"


class AgentSettings:
    """The wrapper's environment settings, validated."""

    __slots__ = ("build_url", "mask", "outbox", "sensu", "sensu_source", "statsd",
                 "statsd_prefix")

    def __init__(
        self,
        *,
        statsd: tuple[str, int] | None = None,
        statsd_prefix: str = DEFAULT_PREFIX,
        sensu: SensuAddress | None = None,
        outbox: str | None = None,
        mask: str = "",
        build_url: str | None = None,
        sensu_source: str = "jobsmith",
    ) -> None:
        self.statsd = statsd
        self.statsd_prefix = statsd_prefix
        self.sensu = sensu
        self.outbox = outbox
        self.mask = mask
        self.build_url = build_url
        self.sensu_source = sensu_source

    @classmethod
    def from_environ(cls, environ: "Mapping[str, str]") -> "AgentSettings":
        statsd_text = environ.get("JOBSMITH_STATSD", "").strip()
        prefix = environ.get("JOBSMITH_STATSD_PREFIX", "").strip() or DEFAULT_PREFIX
        if not all(part and _is_metric_word(part) for part in prefix.split(".")):
            _misuse(f"JOBSMITH_STATSD_PREFIX={prefix!r}: use letters, digits, _ - and dots")
        sensu_text = environ.get("JOBSMITH_SENSU", "").strip()
        source = environ.get("JOBSMITH_SENSU_SOURCE", "").strip() or "jobsmith"
        if not all(char.isascii() and (char.isalnum() or char in "_.-") for char in source):
            _misuse(f"JOBSMITH_SENSU_SOURCE={source!r}: use letters, digits, _ - and dots")
        return cls(
            statsd=parse_host_port(statsd_text, "JOBSMITH_STATSD") if statsd_text else None,
            statsd_prefix=prefix,
            sensu=parse_sensu_url(sensu_text) if sensu_text else None,
            outbox=environ.get("JOBSMITH_OUTBOX", "").strip() or None,
            mask=environ.get("JOBSMITH_MASK", ""),
            build_url=environ.get("BUILD_URL") or None,
            sensu_source=source,
        )


def parse_host_port(text: str, variable: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        _misuse(f"{variable}={text!r}: expected host:port")
    return host, int(port)


def parse_sensu_url(text: str) -> SensuAddress:
    scheme, separator, rest = text.partition("://")
    if not separator or scheme not in SENSU_SCHEMES:
        _misuse(
            f"JOBSMITH_SENSU={text!r}: expected tcp://host:port, udp://host:port "
            "or http://host:port/events"
        )
    netloc, slash, path = rest.partition("/")
    host, port = parse_host_port(netloc, "JOBSMITH_SENSU")
    if scheme == "http":
        return SensuAddress(scheme, host, port, slash + path or "/events")
    if path:
        _misuse(f"JOBSMITH_SENSU={text!r}: a {scheme} address has no path")
    return SensuAddress(scheme, host, port)


def _is_metric_word(text: str) -> bool:
    return text.isascii() and all(char.isalnum() or char in "_-" for char in text)


def _misuse(message: str) -> "NoReturn":
    from jobsmith.wrapper.errors import WrapperError

    raise WrapperError(message)
