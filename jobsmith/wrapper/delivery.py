"""Deliver a run's alert and the older undelivered ones, all within one time budget.

No job waits on Sensu for more than `budget` (2 s): what cannot be sent in time goes
to the outbox, and a later run on this agent sends it: before its own alert, or after
it with `current_first` (what the ordered delivery, `finish.deliver_in_order`, uses:
a slow Sensu then gets the newest result rather than the backlog). Draining stops
at the first alert Sensu cannot take (it is down; the others would fail the same way);
an entry of a check another run is sending (`ledger.BUSY`) is left for later, and the
drain goes on. `drain` is the same without a run's own alert (`jobsmith run --drain`).
An outbox entry that can never be sent is quarantined and skipped; no outbox problem
stops the drain for good, raises, or changes the run's exit status.
"""

from __future__ import annotations

import time

from jobsmith.wrapper.deadline import DELIVERY_SECONDS
from jobsmith.wrapper.ledger import BUSY
from jobsmith.wrapper.outbox import Claim, Outbox, Unusable
from jobsmith.wrapper.sensu import DELIVERED, REJECTED, UNDELIVERABLE, send_check

BUDGET_SECONDS = DELIVERY_SECONDS

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
    current_first: bool = False,
) -> DeliveryReport:
    """Send the outbox's alerts, then `check`; store `check` if it could not go.

    `current_first` (for a sender that orders results per check, `ledger.OrderedSender`)
    sends `check` first and the outbox with the time left, so that a slow Sensu, which
    takes the whole budget for one result, gets the newest news rather than the backlog."""
    sender: Sender = send or (lambda payload, seconds: send_check(payload, address, seconds))
    deadline = clock() + budget
    report = DeliveryReport()
    reachable = True
    if outbox is not None and not current_first:
        reachable = _drain(outbox, sender, deadline, clock, report)
    if reachable:
        state, reason = sender(check, deadline - clock())
    else:
        state, reason = "undeliverable", "Sensu did not take the outbox's older alerts"
    if outbox is not None and current_first:
        _drain(outbox, sender, deadline, clock, report)  # stops at once if Sensu is down
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


def drain(
    outbox: Outbox,
    send: Sender,
    *,
    budget: float,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryReport:
    """Send what `outbox` holds, oldest first, within `budget` seconds; `report.current`
    is DELIVERED when every entry it got to was dealt with, UNDELIVERABLE when Sensu
    could not take one or time ran out (the rest stays)."""
    report = DeliveryReport()
    reachable = _drain(outbox, send, clock() + budget, clock, report)
    report.current = DELIVERED if reachable else UNDELIVERABLE
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
            claim = outbox.claim(name)
        except Unusable as error:
            _quarantine(outbox, name, str(error), None, report)
            continue
        except OSError as error:
            report.notes.append(f"outbox entry {name} skipped: {error}")
            continue
        if claim is None:
            continue  # another run holds it
        if not _send_claim(outbox, claim, send, deadline, clock, report):
            return False
    return True


def _send_claim(
    outbox: Outbox,
    claim: Claim,
    send: Sender,
    deadline: float,
    clock: Callable[[], float],
    report: DeliveryReport,
) -> bool:
    """Send one claimed entry; False when Sensu could not take it."""
    try:
        check = outbox.load(claim)
    except (Unusable, OSError) as error:
        reason = str(error) if isinstance(error, Unusable) else f"cannot read: {error}"
        if claim.temporary:
            try:
                outbox.discard(claim)
                report.notes.append(f"removed a half-written alert of a killed run ({reason})")
            except OSError as failure:
                report.notes.append(f"cannot remove a half-written outbox entry: {failure}")
        else:
            _quarantine(outbox, claim.base, reason, claim, report)
        return True
    state, reason = send(check, deadline - clock())
    try:
        if state == DELIVERED:
            report.drained += 1
            outbox.done(claim)
        elif state == BUSY:
            outbox.release(claim)
            return True  # another run is sending this check: later, and go on
        elif state == REJECTED:
            report.notes.append(f"Sensu rejected a stored alert ({reason}): {outbox.reject(claim)}")
        else:
            outbox.release(claim)
    except OSError as error:  # the claim stays; its lock is gone, so a later run retakes it
        report.notes.append(f"outbox: {error}")
    return state in (DELIVERED, REJECTED)


def _quarantine(
    outbox: Outbox, name: str, reason: str, claim: Claim | None, report: DeliveryReport
) -> None:
    try:
        target = outbox.quarantine(name, reason, claim)
    except OSError as error:
        report.notes.append(f"outbox entry {name} is unusable ({reason}) and stays: {error}")
        return
    report.notes.append(f"outbox entry quarantined ({reason}): {target}")
