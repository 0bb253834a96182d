"""`jobsmith run --drain [--timeout DUR]`: deliver what this agent's outbox holds, without
a job run.

Without it, an alert stored while Sensu was unreachable waits for the next `jobsmith run`
on the agent. After an outage of Sensu itself that is too late: Sensu 1.x sweeps its
stored results for expired TTLs from 30 s after it starts (`setup_check_result_monitor`, an
`EM::PeriodicTimer`, in `lib/sensu/server/process.rb`), and raises a missed-run alert
for every check whose news is still waiting in an outbox. The deploy kit runs the drain
every 10 s on each agent (deploy/agent/jobsmith-drain.timer; docs/alerts.md, "Outbox").

It is the job runs' own delivery (`delivery.drain`, the outbox's claims, the per-check
ledger of `ledger.OrderedSender`), with these differences:
- there is no current run: every entry is a stored result, so the rules for those hold
  for all (expired, not built: kept as history; 1.x TTL counted from arrival), and one
  more: a result of a build that ended before this agent started (`boot_time`) is kept
  as history, because other agents may have delivered newer ones while it was down;
- each send has at most the job runs' 2 s, and the whole drain `--timeout` (default 8 s,
  under the timer's 10 s);
- a check whose ledger lock a job run holds is skipped at once, never waited for: the
  drain never delays a job's delivery, and the entry waits for the next drain;
- it is quiet: nothing on stderr when there is nothing to send or Sensu is unreachable
  (every 10 s for the length of an outage would flood the journal); a line when it sent
  something, a warning for what a person should know (an entry quarantined, rejected).
Exit status 0 whatever became of the alerts; 125 for a misuse (a bad option or setting).
"""

import time

from jobsmith.wrapper.options import (
    DELIVERY_SECONDS,  # not `deadline`: it imports socket
    positive_duration,
)
from jobsmith.wrapper.options import DRAIN_OPTION as OPTION

DEFAULT_BUDGET = 8.0  # seconds for the whole drain: under the deploy kit's 10 s timer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from jobsmith.wrapper.delivery import DeliveryReport
    from jobsmith.wrapper.settings import AgentSettings


def parse_drain_args(argv: list[str]) -> float:
    """The drain's budget from `--drain [--timeout DUR]`; raises UsageError otherwise."""
    from jobsmith.wrapper.errors import UsageError

    budget = DEFAULT_BUDGET
    index, seen = 0, set()
    while index < len(argv):
        name, has_value, value = argv[index].partition("=")
        if name in seen:
            raise UsageError(f"option {name} given twice")
        seen.add(name)
        if name == OPTION and not has_value:
            index += 1
            continue
        if name != "--timeout":
            raise UsageError(f"--drain takes no command and no option but --timeout DUR "
                             f"(got {argv[index]!r})")
        if not has_value:
            index += 1
            if index >= len(argv):
                raise UsageError("option --timeout needs a value")
            value = argv[index]
        budget = positive_duration(name, value)
        index += 1
    return budget


def boot_time() -> float | None:
    """When this machine started (epoch seconds; `btime` in /proc/stat), None if unknown."""
    try:
        with open("/proc/stat", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def drain_outbox(
    settings: "AgentSettings",
    say: "Callable[[str], None]",
    *,
    budget: float = DEFAULT_BUDGET,
    now: float | None = None,
    booted: float | None = None,
) -> "DeliveryReport | None":
    """Deliver the outbox's alerts (see the module's text); None when there was nothing
    to do (no Sensu, no outbox, or nothing in it)."""
    if settings.sensu is None or not settings.outbox:
        return None
    from jobsmith.wrapper.outbox import Outbox

    outbox = Outbox(settings.outbox)
    try:
        if not outbox.pending():
            return None
    except OSError as error:
        say(f"jobsmith: warning: cannot read the outbox: {error}")
        return None
    from jobsmith.wrapper.delivery import drain
    from jobsmith.wrapper.finish import ordered_sender
    from jobsmith.wrapper.sensu import send_check

    address = settings.sensu

    def raw(payload: "dict[str, Any]", seconds: float) -> tuple[str, str]:
        return send_check(payload, address, min(seconds, DELIVERY_SECONDS))

    started = time.monotonic()
    try:
        ordered = ordered_sender(settings, raw, time.time() if now is None else now,
                                 wait_for_ledger=False, booted=booted)
        report = drain(outbox, ordered, budget=budget - (time.monotonic() - started))
    except OSError as error:  # the ledger or the history cannot be written (a full disk)
        say(f"jobsmith: warning: outbox drain stopped: {error}; what is left waits there "
            "for the next delivery")
        return None
    sent = report.drained - ordered.superseded
    if sent > 0:
        say(f"jobsmith: sent {sent} stored alert(s) from the outbox")
    for note in ordered.notes + report.notes:
        say(f"jobsmith: warning: {note}")
    return report


def main(argv: list[str], settings_from: "Callable[[], AgentSettings]",
         say: "Callable[[str], None]") -> int:
    """`jobsmith run --drain ...`: exit 0, or 125 for a misuse (raised as UsageError /
    WrapperError for the caller to report)."""
    budget = parse_drain_args(argv)
    drain_outbox(settings_from(), say, budget=budget, booted=boot_time())
    return 0
