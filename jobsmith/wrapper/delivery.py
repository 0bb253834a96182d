"""Deliver a run's alert: older undelivered alerts first, all within one time budget.

No job waits on Sensu for more than `budget` (2 s): what cannot be sent in time goes
to the outbox, and the next run on this agent sends it before its own. Draining stops
at the first alert Sensu cannot take (it is down; the others would fail the same way).
"""

from __future__ import annotations

import time

from jobsmith.wrapper.outbox import Outbox
from jobsmith.wrapper.sensu import DELIVERED, REJECTED, send_check

BUDGET_SECONDS = 2.0

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from jobsmith.wrapper.settings import SensuAddress

    Sender = Callable[[dict[str, Any], float], tuple[str, str]]


class DeliveryReport:
    """What happened to the alerts of one delivery, for the wrapper's stderr."""

    __slots__ = ("current", "drained", "notes", "queued")

    def __init__(self) -> None:
        self.current = ""  # DELIVERED / REJECTED / UNDELIVERABLE of this run's alert
        self.drained = 0  # older alerts sent from the outbox
        self.queued = ""  # outbox path when this run's alert was stored
        self.notes: list[str] = []


def deliver(
    check: dict[str, Any],
    address: SensuAddress,
    outbox: Outbox | None,
    *,
    budget: float = BUDGET_SECONDS,
    send: Sender | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryReport:
    """Send the outbox's alerts, then `check`; store `check` if it could not go."""
    sender: Sender = send or (lambda payload, seconds: send_check(payload, address, seconds))
    deadline = clock() + budget
    report = DeliveryReport()
    reachable = True
    if outbox is not None:
        reachable = _drain(outbox, sender, deadline, clock, report)
    if reachable:
        state, reason = sender(check, deadline - clock())
    else:
        state, reason = "undeliverable", "Sensu did not take the outbox's older alerts"
    report.current = state
    if state == REJECTED:
        report.notes.append(f"Sensu rejected the alert: {reason}")
    elif state != DELIVERED:
        report.notes.append(f"alert not delivered: {reason}")
        if outbox is not None:
            try:
                report.queued = outbox.put(check)
            except OSError as error:
                report.notes.append(f"alert lost: cannot write to the outbox: {error}")
        else:
            report.notes.append("alert lost: JOBSMITH_OUTBOX is not set")
    return report


def _drain(
    outbox: Outbox,
    send: Sender,
    deadline: float,
    clock: Callable[[], float],
    report: DeliveryReport,
) -> bool:
    """Send stored alerts oldest first; False when Sensu could not take one."""
    try:
        names = outbox.pending()
    except OSError as error:
        report.notes.append(f"cannot read the outbox: {error}")
        return True
    for name in names:
        if clock() >= deadline:
            return False
        try:
            claimed = outbox.claim(name)
        except OSError:
            continue
        if claimed is None:
            continue  # another run took it
        check = outbox.load(claimed)
        if check is None:
            report.notes.append(f"outbox file is not an alert: {outbox.reject(claimed)}")
            continue
        state, reason = send(check, deadline - clock())
        if state == DELIVERED:
            outbox.done(claimed)
            report.drained += 1
        elif state == REJECTED:
            report.notes.append(
                f"Sensu rejected a stored alert ({reason}): {outbox.reject(claimed)}"
            )
        else:
            outbox.release(claimed)
            return False
    return True
