"""The forecast as one self-contained HTML page."""

from __future__ import annotations

from html import escape

from jobsmith.forecast.analysis import Forecast
from jobsmith.forecast.report import render_table


def render_html(forecast: Forecast) -> str:
    return f"<!doctype html><meta charset=utf-8><pre>{escape(render_table(forecast))}</pre>\n"
