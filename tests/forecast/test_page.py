"""The HTML page in a real browser: headless Chromium renders it, the DOM names every
job and a screenshot shows the bars, waits and late runs where the timeline is."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from jobsmith.cli.app import cli
from tests.support.browser import dump_dom, read_png, screenshot

BLUE, RED, ORANGE = (0x4A, 0x79, 0xA8), (0xD0, 0x41, 0x3A), (0xF0, 0xA2, 0x3B)
NAMES_WIDTH = 16 + 260  # body margin + the names column


def _tree(root: Path) -> Path:
    specs = {
        "data/etl-orders.yaml": "schedule: '0 2 * * *'\ncommand: ./etl\ntimeout: 80m\n"
                                "alerts: {max_duration: 30m}\n",
        "data/sync.yaml": "schedule: 'H/15 * * * *'\ncommand: ./sync\ntimeout: 40m\n",
        "reports/weekly-revenue.yaml": "schedule: '30 2 * * *'\ncommand: ./r\n",
    }
    for name, text in specs.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _page(tmp_path: Path) -> Path:
    out = tmp_path / "forecast.html"
    result = CliRunner().invoke(cli, [
        "schedule", str(_tree(tmp_path / "jobs")), "--from", "2026-03-28T00:00:00Z",
        "--hours", "6", "--agents", "linux=1", "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _near(pixel: tuple[int, int, int], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 6 for a, b in zip(pixel, colour, strict=True))


def test_the_page_is_self_contained_and_names_every_job(tmp_path: Path) -> None:
    page = _page(tmp_path)
    text = page.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    dom = dump_dom(page, tmp_path / "profile")
    assert 'data-drawn="yes"' in dom  # the script ran to its end
    names = re.findall(r'<div class="name" title="([^"]+)">', dom)
    assert names == ["data/etl-orders", "data/sync", "reports/weekly-revenue"]
    assert "<summary>data <small>2 jobs</small></summary>" in dom
    assert re.search(r"<td>linux</td><td>1</td><td>1</td>", dom)


def test_a_screenshot_shows_bars_waits_and_late_runs(tmp_path: Path) -> None:
    page = _page(tmp_path)
    rows = read_png(screenshot(page, tmp_path / "profile", tmp_path / "shot.png", (1200, 1400)))
    found: dict[str, list[int]] = {"blue": [], "red": [], "orange": []}
    for y, row in enumerate(rows):
        for x, pixel in enumerate(row):
            for name, colour in (("blue", BLUE), ("red", RED), ("orange", ORANGE)):
                if _near(pixel, colour):
                    found[name].append(x if y > 400 else -1)
    timeline = {name: [x for x in xs if x >= 0] for name, xs in found.items()}
    # sync every 15 min for 6 h: bars along the whole timeline, right of the names
    assert len(timeline["blue"]) > 500 and min(timeline["blue"]) >= NAMES_WIDTH
    # etl-orders at 02:00 runs 40 min against a 30 min max_duration: a red bar
    assert timeline["red"] and min(timeline["red"]) >= NAMES_WIDTH
    # one agent: sync and the 02:00 and 02:30 jobs wait for each other
    assert timeline["orange"]
