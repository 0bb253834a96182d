"""Jenkins cron, exactly: parsing, `H` as Jenkins draws it, next runs, gaps, ISO intervals."""

from jobsmith.cron.errors import CronError
from jobsmith.cron.iso import iso_interval_to_lines
from jobsmith.cron.runs import longest_gap, next_runs, runs_between
from jobsmith.cron.schedule import ResolvedLine, ResolvedSchedule, Schedule, parse_schedule

__all__ = [
    "CronError",
    "ResolvedLine",
    "ResolvedSchedule",
    "Schedule",
    "iso_interval_to_lines",
    "longest_gap",
    "next_runs",
    "parse_schedule",
    "runs_between",
]
