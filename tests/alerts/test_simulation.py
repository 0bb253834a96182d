"""A month of builds per scenario against the model of Sensu's TTL semantics, through
the real finish step, outbox, ledger and fake Sensu (tests/alerts/simulation.py).

No false alert, no missed alert, no lost result, nothing sent twice, nothing left
waiting in an outbox, and no alert after an outage of Sensu: the agents' drain timers
deliver what their outboxes hold before Sensu's first sweep. The one alert allowed
outside a bad period is a true one: a missed run raised while the check's newer results
all wait on agents that are down (`stranded`), at most once per check and agent outage.
"""

from __future__ import annotations

import pytest

from tests.alerts.scenarios import SCENARIOS
from tests.alerts.simulation import Scenario, play


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_a_month_of_builds(scenario: Scenario) -> None:
    score = play(scenario)
    assert score.sent > 0
    found = {"false": score.false, "missed": score.missed, "lost": score.lost,
             "twice": score.twice, "waiting": score.waiting, "outage": score.outage}
    assert found == dict.fromkeys(found, 0), "\n".join(score.notes[:20])
    assert score.stranded <= len(scenario.jobs) * len(scenario.agents_down)
