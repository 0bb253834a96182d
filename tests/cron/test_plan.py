"""Planning many jobs over a window; herd warnings; the table, JSON and SVG renderings."""

import json
from datetime import UTC, datetime, timedelta

from jobsmith.cron import parse_schedule
from jobsmith.cron.plan import plan_schedule
from jobsmith.cron.report import render_json, render_table
from jobsmith.cron.svg import render_svg

START = datetime(2026, 3, 28, tzinfo=UTC)
END = START + timedelta(hours=24)


def plan(specs, **options):
    jobs = [(name, parse_schedule(text, zone)) for name, (text, zone) in specs.items()]
    return plan_schedule(jobs, START, END, **options)


def test_runs_in_the_window_per_job_sorted_by_name():
    result = plan(
        {
            "b/hourly": ("H * * * *", None),
            "a/nightly": ("0 2 * * *", "Europe/Berlin"),
            "c/never-today": ("0 0 1 1 *", None),
        }
    )
    assert [job.full_name for job in result.jobs] == ["a/nightly", "b/hourly", "c/never-today"]
    nightly, hourly, never = result.jobs
    assert nightly.run_times() == [datetime(2026, 3, 28, 1, 0, tzinfo=UTC)]
    assert nightly.spec == "TZ=Europe/Berlin\n0 2 * * *"
    assert len(hourly.runs) == 24 and never.runs == ()
    assert hourly.resolved == parse_schedule("H * * * *").resolve("b/hourly").format()
    assert sum(result.runs_per_minute().values()) == 25


def test_five_jobs_on_one_fixed_minute_warn_four_do_not():
    five = {f"team/job{i}": ("0 3 * * *", None) for i in range(5)}
    (warning,) = plan(five).warnings
    assert warning.minute == 0 and warning.peak == 5 and warning.instants == 1
    assert warning.jobs == tuple(sorted(five))
    assert warning.peak_at == int(datetime(2026, 3, 28, 3, tzinfo=UTC).timestamp()) // 60
    assert "write H in the minute field" in warning.message()
    four = {f"team/job{i}": ("0 3 * * *", None) for i in range(4)}
    assert plan(four).warnings == ()


def test_hashed_and_spread_jobs_do_not_warn():
    hashed = {f"team/job{i}": ("H 3 * * *", None) for i in range(8)}
    different_hours = {f"team/job{i}": (f"0 {i} * * *", None) for i in range(8)}
    assert plan(hashed).warnings == ()
    assert plan(different_hours).warnings == ()


def test_herd_warning_groups_instants_by_minute_and_threshold_is_tunable():
    jobs = {f"team/job{i}": ("0,30 * * * *", None) for i in range(3)}
    warnings = plan(jobs, herd_threshold=3).warnings
    assert [(w.minute, w.instants, w.peak) for w in warnings] == [(0, 24, 3), (30, 24, 3)]


def test_table_and_json():
    result = plan({"a/x": ("*/30 * * * *", None), "a/y": ("@daily", "UTC")})
    table = render_table(result)
    assert table.splitlines()[0].split() == ["JOB", "RESOLVED", "RUNS", "NEXT"]
    assert "a/x" in table and "48" in table and "2 scheduled jobs, 49 runs" in table
    data = json.loads(render_json(result, {"disabled": ["a/z"]}))
    assert data["from"] == "2026-03-28T00:00:00Z" and data["to"] == "2026-03-29T00:00:00Z"
    assert data["jobs"][0]["runs"][:2] == ["2026-03-28T00:00:00Z", "2026-03-28T00:30:00Z"]
    assert data["jobs"][1]["spec"] == "TZ=UTC\nH H * * *"
    assert data["warnings"] == [] and data["disabled"] == ["a/z"]


def test_svg_marks_herds_and_stays_small():
    jobs = {f"team/job{i}": ("0 3 * * *", None) for i in range(6)}
    jobs.update({f"team/spread{i}": ("H/5 * * * *", None) for i in range(50)})
    svg = render_svg(plan(jobs))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert 'fill="#d0413a"' in svg  # the herd at 03:00
    assert "56 jobs" in svg
    assert len(svg.encode()) < 200_000


def test_svg_buckets_long_windows():
    jobs = [("a/x", parse_schedule("* * * * *"))]
    result = plan_schedule(jobs, START, START + timedelta(days=7))
    svg = render_svg(result)
    assert "Runs per 7 minutes" in svg
    assert svg.count("M") <= 1440 + 2


def test_jobs_whose_draws_agree_share_their_runs_and_schedules_resolved_before_are_used():
    # Many jobs draw the same H values (`H/15` has 15 forms): each job still gets its own
    # runs and herd count. A schedule resolved before (the spec's, when it was validated)
    # is used as given, and only for its job.
    jobs = {f"team/job{i}": ("H/15 * * * *", None) for i in range(40)}
    jobs.update({f"team/fixed{i}": ("0 3 * * *", None) for i in range(5)})
    result = plan(jobs)
    for job in result.jobs:
        drawn = parse_schedule(jobs[job.full_name][0]).resolve(job.full_name)
        expected = [m for m in range(int(START.timestamp()) // 60, int(END.timestamp()) // 60)
                    if m % 60 in drawn.lines[0].minutes and (m // 60) % 24 in drawn.lines[0].hours]
        assert list(job.runs) == expected and job.resolved == drawn.format()
    assert len({job.runs for job in result.jobs}) < len(result.jobs)  # shared draws exist
    (warning,) = result.warnings
    assert warning.peak == 5 and warning.jobs == tuple(f"team/fixed{i}" for i in range(5))
    other = parse_schedule("7 * * * *").resolve("team/job0")
    given = plan(jobs, resolved={"team/job0": other})
    assert [job.runs for job in given.jobs] == [
        tuple(m for m in range(int(START.timestamp()) // 60, int(END.timestamp()) // 60)
              if m % 60 == 7) if job.full_name == "team/job0" else job.runs
        for job in result.jobs]
    assert given.jobs[[j.full_name for j in given.jobs].index("team/job0")].resolved == "7 * * * *"
