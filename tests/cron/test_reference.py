"""Every case of ../shared/jenkins-cron/reference.tsv (computed by the real Jenkins classes).

The file lives outside the repository; a copy is kept in fixtures/ so the tests run
anywhere. Refresh it with: cp /work/shared/jenkins-cron/reference.tsv tests/cron/fixtures/
"""

from pathlib import Path

import pytest

from jobsmith.cron import parse_schedule
from jobsmith.cron.lookup import resolve_batch

REFERENCE = Path(__file__).parent / "fixtures" / "jenkins_reference.tsv"
ROWS = [line.split("\t") for line in REFERENCE.read_text(encoding="utf-8").splitlines()]


def test_reference_has_all_cases():
    assert len(ROWS) == 80


@pytest.mark.parametrize(("full_name", "spec", "expected"), ROWS)
def test_resolve_matches_jenkins(full_name, spec, expected):
    assert parse_schedule(spec.replace("\\n", "\n")).resolve(full_name).format() == expected


def test_batch_reproduces_the_reference_file():
    text = REFERENCE.read_text(encoding="utf-8")
    rows = ["\t".join(row[:2]) + "\n" for row in ROWS]
    assert "\n".join(resolve_batch(rows)) + "\n" == text
