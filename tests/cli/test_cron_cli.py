"""`jobsmith cron resolve` and `jobsmith cron next`, through click."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from jobsmith.cli.app import cli

REFERENCE = Path(__file__).parents[1] / "cron" / "fixtures" / "jenkins_reference.tsv"


def run(*args, stdin=None):
    return CliRunner().invoke(cli, ["cron", *args], input=stdin)


def test_resolve_one_spec():
    result = run("resolve", "--job", "example", "H/15 * * * *\\nH H * * *")
    assert result.exit_code == 0
    assert result.stdout == "6,21,36,51 * * * * | 28 11 * * *\n"


def test_resolve_batch_reproduces_the_jenkins_reference():
    text = REFERENCE.read_text(encoding="utf-8")
    rows = "".join("\t".join(line.split("\t")[:2]) + "\n" for line in text.splitlines())
    result = run("resolve", "--batch", stdin=rows)
    assert result.exit_code == 0
    assert result.stdout == text


def test_resolve_batch_reports_invalid_rows_and_goes_on():
    result = run("resolve", "--batch", stdin="a\t5-1 * * * *\nb\tH H * * *\nc\n")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "a\t5-1 * * * *\tERROR line 1:1: You mean 1-5?"
    assert lines[1].startswith("b\tH H * * *\t") and "ERROR" not in lines[1]
    assert lines[2].startswith("c\tERROR expected FULL_NAME<TAB>SPEC")


def test_resolve_invalid_spec_exits_2_with_the_message():
    result = run("resolve", "--job", "x", "H/0 * * * *")
    assert result.exit_code == 2
    assert "step must be positive, but found 0" in result.stderr


@pytest.mark.parametrize(
    "args",
    [("resolve",), ("resolve", "--job", "x"), ("resolve", "--batch", "--job", "x")],
)
def test_resolve_usage_errors(args):
    assert run(*args).exit_code == 2


def test_next_one_spec_with_controller_zone():
    result = run(
        "next",
        "--job",
        "x",
        "--from",
        "2026-03-28T00:00:00Z",
        "--count",
        "3",
        "--zone",
        "Europe/Berlin",
        "30 2 * * *",
    )
    assert result.exit_code == 0
    assert result.stdout == ("2026-03-28T01:30:00Z 2026-03-30T00:30:00Z 2026-03-31T00:30:00Z\n")


def test_next_defaults_to_five_runs_from_now():
    result = run("next", "--job", "x", "* * * * *")
    assert result.exit_code == 0
    assert len(result.stdout.split()) == 5


def test_next_none_and_errors():
    assert (
        run("next", "--job", "x", "--from", "2026-01-01T00:00:00Z", "0 0 30 2 *").stdout == "NONE\n"
    )
    bad_from = run("next", "--job", "x", "--from", "2026-01-01T00:00:00", "* * * * *")
    assert bad_from.exit_code == 2 and "has no zone" in bad_from.stderr
    bad_zone = run("next", "--job", "x", "--zone", "Nowhere", "* * * * *")
    assert bad_zone.exit_code == 2 and "Invalid or unsupported timezone" in bad_zone.stderr


def test_next_batch():
    stdin = (
        "z\tTZ=Asia/Kolkata\\n@daily\tAmerica/New_York\t2026-01-01T00:00:00Z\n"
        "z\tTZ=Asia/Kolkata\\nH H * * *\t\t2026-01-01T00:00:00Z\n"
        "n\t0 0 30 2 *\tUTC\t2026-01-01T00:00:00Z\n"
        "e\tH/0 * * * *\tUTC\t2026-01-01T00:00:00Z\n"
        "f\t* * * * *\tUTC\tyesterday\n"
        "g\t* * * * *\tMars/Base\t2026-01-01T00:00:00Z\n"
    )
    result = run("next", "--batch", "--count", "2", stdin=stdin)
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [len(row) for row in rows] == [5] * 6
    assert rows[0][4] == "2026-01-01T12:18:00Z 2026-01-02T12:18:00Z"
    assert rows[1][4] == "2026-01-01T01:48:00Z 2026-01-02T01:48:00Z"
    assert rows[2][4] == "NONE"
    assert rows[3][4] == "ERROR line 1:1: step must be positive, but found 0"
    assert rows[4][4].startswith("ERROR ") and "ISO 8601" in rows[4][4]
    assert rows[5][4].startswith("ERROR ") and "Mars/Base" in rows[5][4]
