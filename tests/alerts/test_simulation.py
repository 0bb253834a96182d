"""A month of builds per scenario against the model of Sensu's TTL semantics, through
the real finish step, outbox, ledger and fake Sensu (tests/alerts/simulation.py).

No false alert, no missed alert, no lost result, nothing sent twice, nothing left
waiting in an outbox; and Sensu's own outages raise at most one alert per check each
(it heard nothing while it was down), cleared by the check's first result after it.
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
             "twice": score.twice, "waiting": score.waiting}
    assert found == dict.fromkeys(found, 0), "\n".join(score.notes[:20])
    assert score.outage <= len(scenario.jobs) * len(scenario.down)
