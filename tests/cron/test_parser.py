"""Parsing and validation: what Jenkins accepts, what it rejects and where."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobsmith.cron import CronError, parse_schedule

ZERO = None  # resolve(None) draws 0 for every H, like Jenkins' Hash.zero()


@pytest.mark.parametrize(
    ("spec", "resolved"),
    [
        ("* * * * *", "* * * * *"),
        ("*/15 * * * *", "0,15,30,45 * * * *"),
        ("0-59/20 0-23/12 * * *", "0,20,40 0,12 * * *"),
        ("*/61 * * * *", "0 * * * *"),  # Jenkins accepts a step longer than the field
        ("0 0 * * 7", "0 0 * * 0"),  # 7 is Sunday
        ("0 0 * * 5-7", "0 0 * * 0,5,6"),
        ("0 0 * * */1", "0 0 * * *"),
        ("0 0 * * */2", "0 0 * * 0,2,4,6"),
        ("H H H H H", "0 0 1 1 0"),
        ("H/15 H/6 H/7 H/3 H/2", "0,15,30,45 0,6,12,18 1,8,15,22 1,4,7,10 0,2,4,6"),
        ("H(10-20)/5 * * * *", "10,15,20 * * * *"),
        ("H(5-7) * * * H(7-7)", "5 * * * 0"),
        ("1,2,3 1,H * * *", "1,2,3 0,1 * * *"),
        ("  0\t0  * * *  ", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@annually", "0 0 1 1 *"),
        ("# comment\n\n0 1 * * *\n  # another\n0 2 * * *", "0 1 * * * | 0 2 * * *"),
        ("TZ=Europe/Berlin\n0 1 * * *", "0 1 * * *"),
        ("0 0 1 * *\r\n0 12 * * *", "0 0 1 * * | 0 12 * * *"),
    ],
)
def test_valid_specs(spec, resolved):
    assert parse_schedule(spec).resolve(ZERO).format() == resolved


@pytest.mark.parametrize(
    ("spec", "message", "line", "col"),
    [
        ("H/0 * * * *", "step must be positive, but found 0", 1, 1),
        ("*/0 * * * *", "step must be positive, but found 0", 1, 1),
        (
            "H/61 * * * *",
            "61 is an invalid step for this H in the minute field. Must be within 1 and 60",
            1,
            1,
        ),
        (
            "0 H/29 * * *",
            "29 is an invalid step for this H in the hour field. Must be within 1 and 24",
            1,
            3,
        ),
        (
            "0 0 H/29 * *",
            "29 is an invalid step for this H in the day of month field. Must be within 1 and 28",
            1,
            5,
        ),
        ("H(0-29)/31 * * * *", "Must be within 1 and 30", 1, 1),
        ("5-1 * * * *", "You mean 1-5?", 1, 1),
        ("H(9-3) * * * *", "You mean H(3-9)?", 1, 1),
        (
            "60 * * * *",
            "60 is an invalid value for the minute field. Must be within 0 and 59",
            1,
            1,
        ),
        ("0 24 * * *", "24 is an invalid value for the hour field. Must be within 0 and 23", 1, 3),
        ("0 0 0 * *", "Must be within 1 and 31", 1, 5),
        ("0 0 * 13 *", "Must be within 1 and 12", 1, 7),
        ("0 0 * * 8", "Must be within 0 and 7", 1, 9),
        ("0 0 * * 1,9", "9 is an invalid value", 1, 11),
        ("H(0-60) * * * *", "60 is an invalid value", 1, 1),
        ("0 0 L * *", "'L' is not Jenkins cron syntax", 1, 5),
        ("0 0 15W * *", "'W' is not Jenkins cron syntax", 1, 7),
        ("0 0 ? * *", "'?' is not Jenkins cron syntax", 1, 5),
        ("0 0 * * 1#2", "'#' is not Jenkins cron syntax", 1, 10),
        ("0 0 * * MON", "names are not Jenkins cron syntax", 1, 9),
        ("0 0 1 JAN *", "write the month as a number", 1, 7),
        ("0 0 0 * * *", "expected 5 fields", 1, 11),
        ("0 0 * *", "found 4", 1, 1),
        ("@reboot", "'@reboot' is not a Jenkins alias", 1, 1),
        ("@every 5m", "is not a Jenkins alias", 1, 1),
        ("@Daily", "is not a Jenkins alias", 1, 1),
        ("5/2 * * * *", "a step needs a range: write 5-59/2", 1, 2),
        ("1,,2 * * * *", "empty term in the minute field", 1, 3),
        ("H(1) * * * *", "expected '-'", 1, 4),
        ("H/ * * * *", "expected a number", 1, 3),
        ("CRON_TZ=UTC\n0 0 * * *", "first line, as TZ=", 1, 1),
        ("0 0 * * *\nTZ=UTC", "first line, as TZ=", 2, 1),
        ("TZ=Mars/Olympus\n0 0 * * *", "Invalid or unsupported timezone 'Mars/Olympus'", 1, 4),
        ("TZ= Europe/Berlin\n0 0 * * *", "timezone ' Europe/Berlin'", 1, 4),
        ("0 0 * * *\n\n  61 0 * * *", "61 is an invalid value", 3, 3),
        ("", "no cron line", 1, 1),
        ("# only a comment\n", "no cron line", 1, 1),
    ],
)
def test_invalid_specs(spec, message, line, col):
    with pytest.raises(CronError) as caught:
        parse_schedule(spec)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.col) == (line, col)
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"line {line}:{col}: ")


def test_timezone_argument_conflicts_with_tz_line():
    with pytest.raises(CronError, match="given twice"):
        parse_schedule("TZ=UTC\n0 0 * * *", timezone="Europe/Berlin")


def test_unknown_timezone_argument():
    with pytest.raises(CronError, match="Invalid or unsupported timezone 'Europe/Atlantis'"):
        parse_schedule("0 0 * * *", timezone="Europe/Atlantis")


def test_zone_from_tz_line_and_from_argument():
    assert parse_schedule("TZ=Asia/Kolkata\n0 0 * * *").timezone == "Asia/Kolkata"
    assert parse_schedule("0 0 * * *", timezone="Asia/Kolkata").timezone == "Asia/Kolkata"
    assert parse_schedule("0 0 * * *").timezone is None


@pytest.mark.parametrize(
    ("text", "timezone", "expected"),
    [
        ("H 2 * * *", None, "H 2 * * *"),
        ("@daily", None, "@daily"),
        (
            "@daily\n# nightly\n\n@hourly",
            "Europe/Berlin",
            "TZ=Europe/Berlin\nH H * * *\n# nightly\nH * * * *",
        ),
        ("@midnight", "UTC", "TZ=UTC\nH H(0-2) * * *"),
        # A TZ= line written in the text keeps Jenkins' reading: the alias stays an alias.
        ("TZ=Europe/Berlin\n@daily\n 0 3 * * * ", None, "TZ=Europe/Berlin\n@daily\n0 3 * * *"),
    ],
)
def test_jenkins_text(text, timezone, expected):
    assert parse_schedule(text, timezone).jenkins_text() == expected


def test_jenkins_text_means_the_same_schedule():
    schedule = parse_schedule("@weekly\nH/20 H(8-17) * * 1-5", "America/New_York")
    again = parse_schedule(schedule.jenkins_text())
    assert again.resolve("team/job") == schedule.resolve("team/job")


def test_alias_lines_use_the_controller_zone_only_with_a_tz_line():
    from_line = parse_schedule("TZ=Europe/Berlin\n@daily\n0 3 * * *").resolve("j")
    assert [line.zone for line in from_line.lines] == [None, "Europe/Berlin"]
    from_key = parse_schedule("@daily\n0 3 * * *", "Europe/Berlin").resolve("j")
    assert [line.zone for line in from_key.lines] == ["Europe/Berlin", "Europe/Berlin"]


def test_fixed_minute_marks_lines_without_h_in_the_minute_field():
    resolved = parse_schedule("0 2 * * *\nH 3 * * *\n*/5,H 4 * * *").resolve("j")
    assert [line.fixed_minute for line in resolved.lines] == [True, False, False]


_COMMON = ["H", "H/2", "H(3-5)", "H(1-1)", "*", "1,H", "H,H/3"]
_H_FIELDS = st.tuples(
    st.sampled_from([*_COMMON, "H/7", "H/15", "H/60", "H(0-29)", "H(10-20)/5", "H(59-59)",
                     "H(0-0)"]),
    st.sampled_from([*_COMMON, "H/7", "H/24", "H(10-20)/5", "H(23-23)", "H(0-0)"]),
    st.sampled_from([*_COMMON, "H/7", "H(1-28)/9", "H(1-31)", "H(31-31)"]),
    st.sampled_from([*_COMMON, "H(7-7)", "H(1-12)/5", "H(12-12)"]),
    st.sampled_from([*_COMMON, "H(0-7)", "H(7-7)", "H(1-7)/3", "H(0-0)"]),
)


@given(_H_FIELDS, st.text(max_size=20))
def test_one_h_term_is_drawn_as_any_terms_are(forms, name):
    """`_evaluate`'s shortcut for a field of one `H` term gives the values, and leaves
    the hash where, the general evaluation does (for every field, names at random)."""
    from jobsmith.cron.hash import JenkinsHash
    from jobsmith.cron.parser import CronLine, _evaluate, _evaluate_terms

    line = parse_schedule(" ".join(forms), None).lines[0]
    assert isinstance(line, CronLine)
    quick, general = JenkinsHash.for_job(name), JenkinsHash.for_job(name)
    for index, terms in enumerate(line.fields):
        assert _evaluate(terms, index, quick) == _evaluate_terms(terms, index, general)
    assert quick.next(1 << 30) == general.next(1 << 30)
