"""`jobsmith run --finish RESULT`: the build's one Sensu result and build-level metrics;
and `deliver_in_order`, which every build-level result goes through.

The finish step runs in the pipeline's `post { always }`, so it runs once per build
whatever happened: success, a failed stage, a parallel group cut short by `failFast`,
an abort, a superseded or skipped build. Its `executed` is the build's start (Jenkins'
`currentBuild.startTimeInMillis`), which orders results per check (see `ledger`) and is
what Sensu 1.x measures the TTL from.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from jobsmith.wrapper.delivery import DeliveryReport
    from jobsmith.wrapper.ledger import OrderedSender
    from jobsmith.wrapper.options import RunOptions
    from jobsmith.wrapper.settings import AgentSettings


def finish_build(
    options: RunOptions,
    settings: AgentSettings,
    environ: Mapping[str, str],
    say: Callable[[str], None],
    wall_clock: Callable[[], float] = time.time,
) -> int:
    """Send the build's result and metrics; exit 0 (the build's own status stands)."""
    from jobsmith.wrapper.alerts import check_result
    from jobsmith.wrapper.build import build_outcome, failed_part
    from jobsmith.wrapper.deadline import DELIVERY_SECONDS
    from jobsmith.wrapper.process import AttemptOutcome
    from jobsmith.wrapper.runner import RunReport

    assert options.finish is not None
    deadline = time.monotonic() + DELIVERY_SECONDS
    now = wall_clock()
    started = options.build_started if options.build_started is not None else now
    duration = max(now - started, 0.0)
    part = failed_part(environ) if options.finish == "FAILURE" else None
    outcome = build_outcome(
        options.job, options.finish, duration=duration, max_duration=options.max_duration,
        part=part, number=options.build_number, previous=options.previous_result,
    )
    say(f"jobsmith: {outcome.summary}")
    if settings.statsd is not None:
        from jobsmith.wrapper.metrics import build_metrics

        metrics = build_metrics(options.job, outcome.outcome, outcome.exit_code, duration)
        send_values(metrics, settings, deadline, say)
    if settings.sensu is None:
        return 0
    attempts = part.get("attempts") if part else None
    report = RunReport(
        options.job, AttemptOutcome(outcome.exit_code, duration=duration),
        attempts=attempts if isinstance(attempts, int) else 1, timeouts=0,
        duration=duration, started_at=started,
    )
    extra: dict[str, Any] = {"outcome": outcome.outcome}
    if options.build_number is not None:
        extra["build"] = options.build_number
    if outcome.failed_stage is not None:
        extra["failed_stage"] = outcome.failed_stage
    if part and isinstance(part.get("host"), str):
        extra["failed_host"] = part["host"]
    check = check_result(
        report,
        summary=outcome.summary,
        tail=outcome.tail.encode("utf-8"),
        host=os.uname().nodename,
        ttl=options.ttl,
        handlers=options.alert_handlers,
        build_url=settings.build_url,
        source=settings.sensu_source,
        status=outcome.status,
        extra=extra,
    )
    deliver_in_order(check, settings, say, deadline, now=now)
    return 0


def send_values(
    metrics: list[tuple[str, str, float]],
    settings: AgentSettings,
    deadline: float,
    say: Callable[[str], None],
) -> None:
    """Send statsd metrics, the name looked up within the delivery deadline."""
    import socket

    from jobsmith.wrapper.deadline import resolve
    from jobsmith.wrapper.metrics import send_values as send

    assert settings.statsd is not None
    host, port = settings.statsd
    try:
        address = resolve(host, port, socket.SOCK_DGRAM, deadline)[1][0]
        send(metrics, address, port, settings.statsd_prefix)
    except OSError as error:
        say(f"jobsmith: warning: metrics not sent to {host}:{port}: {error}")


def deliver_in_order(
    check: dict[str, Any],
    settings: AgentSettings,
    say: Callable[[str], None],
    deadline: float | None = None,
    now: float | None = None,
) -> DeliveryReport:
    """Deliver `check` (and the outbox) so that no older result follows a newer one.
    `now`, the wall clock (epoch seconds), lets the stored results' TTLs count (see
    `ledger.OrderedSender`)."""
    from jobsmith.wrapper.delivery import deliver
    from jobsmith.wrapper.sensu import send_check

    address = settings.sensu
    assert address is not None

    def raw(payload: dict[str, Any], seconds: float) -> tuple[str, str]:
        return send_check(payload, address, seconds)

    outbox = None
    sender: Callable[[dict[str, Any], float], tuple[str, str]] = raw
    ordered = None
    if settings.outbox:
        from jobsmith.wrapper.outbox import Outbox

        ordered = ordered_sender(settings, raw, now, current=check)
        sender = ordered
        outbox = Outbox(settings.outbox)
    else:
        from jobsmith.wrapper.sensu import DELIVERED, UNCONFIRMED

        def unconfirmed_is_sent(payload: dict[str, Any], seconds: float) -> tuple[str, str]:
            state, reason = raw(payload, seconds)
            if state == UNCONFIRMED:
                say(f"jobsmith: warning: {reason}; not sent again (it would arrive twice)")
                return DELIVERED, reason
            return state, reason

        sender = unconfirmed_is_sent
    from jobsmith.wrapper.delivery import BUDGET_SECONDS

    budget = BUDGET_SECONDS if deadline is None else deadline - time.monotonic()
    try:
        delivery = deliver(check, address, outbox, send=sender, budget=budget,
                           current_first=ordered is not None)
    except OSError as error:  # the ledger could not be written: send without it
        say(f"jobsmith: warning: outbox ledger: {error}")
        budget = BUDGET_SECONDS if deadline is None else deadline - time.monotonic()
        delivery = deliver(check, address, None, send=raw, budget=budget)
    drained = delivery.drained - (ordered.superseded if ordered else 0)
    if drained > 0:
        say(f"jobsmith: sent {drained} stored alert(s) from the outbox")
    for note in (ordered.notes if ordered else []) + delivery.notes:
        say(f"jobsmith: warning: {note}")
    if delivery.queued:
        say(f"jobsmith: alert stored in {delivery.queued}")
    return delivery


def ordered_sender(
    settings: AgentSettings,
    send: Callable[[dict[str, Any], float], tuple[str, str]],
    now: float | None,
    *,
    current: dict[str, Any] | None = None,
    wait_for_ledger: bool = True,
    booted: float | None = None,
) -> OrderedSender:
    """The sender that orders results per check (`ledger.OrderedSender`) over the
    agent's outbox and ledger, knowing what the outbox and `current` hold."""
    from jobsmith.wrapper.ledger import Ledger, OrderedSender, newest_in_outbox, order_key, orders

    assert settings.outbox is not None and settings.sensu is not None
    known = newest_in_outbox(settings.outbox)
    if current is not None:
        name, key = current["name"], order_key(current)
        if orders(current) and key > known.get(name, (-1, -1)):
            known[name] = key
    return OrderedSender(Ledger(settings.outbox), send, known, current=current, now=now,
                         ttl_from_arrival=settings.sensu.scheme == "http",
                         wait_for_ledger=wait_for_ledger, booted=booted)
