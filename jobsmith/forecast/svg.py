"""The forecast as an SVG chart for embedding: runs per minute, herds in red."""

from __future__ import annotations

from jobsmith.cron.svg import render_svg as render_plan_svg
from jobsmith.forecast.analysis import Forecast


def render_svg(forecast: Forecast) -> str:
    return render_plan_svg(forecast.plan)
