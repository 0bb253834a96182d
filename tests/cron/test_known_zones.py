"""`is_known_zone` accepts exactly the names `zoneinfo.available_timezones()` returns,
without reading every zone file: on this machine's tzdata, and on a made-up TZPATH
with the cases the walk in `available_timezones` (CPython `zoneinfo._tzpath`) treats
specially: `right/` and `posix/` at the top, `posixrules`, links to directories (not
followed), links to files, files that are not TZif, directories named like zones."""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsmith.cron import zones

TZIF = b"TZif2" + b"\0" * 40

HOSTILE = [
    "", "/", ".", "..", "UTC/", "/UTC", "./UTC", "Europe/../UTC", "Europe//Berlin",
    "Europe/Berlin/", "Europe", "europe/berlin", "UTC\0", "right", "posix", "right/UTC",
    "posix/UTC", "posix/Europe/Berlin", "posixrules", "zone.tab", "zone1970.tab",
    "tzdata.zi", "iso3166.tab", "leapseconds", "leap-seconds.list", "SECURITY", "+VERSION",
    "US/Pacific-New", "Etc/GMT+14", "Etc/GMT-14", " UTC", "UTC ", "Europe/Berlin\n",
]


@pytest.fixture
def fresh() -> Iterator[None]:
    zones.is_known_zone.cache_clear()
    zones._tzdata_zones.cache_clear()
    yield
    zoneinfo.reset_tzpath()
    zones.is_known_zone.cache_clear()
    zones._tzdata_zones.cache_clear()


def test_every_zone_of_this_machine_and_hostile_names(fresh: None) -> None:
    known = zoneinfo.available_timezones()
    assert "Europe/Berlin" in known  # not an empty tzdata (the other cron tests need it too)
    for name in sorted(known):
        assert zones.is_known_zone(name), name
    for name in HOSTILE:
        assert zones.is_known_zone(name) == (name in known), name


def _tree(root: Path) -> None:
    files = {
        "Plain": TZIF, "A/Zone": TZIF, "A/Deep/Zone": TZIF, "NotTz": b"# not a zone\n",
        "Empty": b"", "right/X": TZIF, "posix/Y/Z": TZIF, "Sub/right/W": TZIF,
        "Sub/posix/V": TZIF, "posixrules": TZIF, "Case/Zone": TZIF, "right2/U": TZIF,
    }
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    (root / "Dir").mkdir()
    (root / "LinkDir").symlink_to("A")
    (root / "LinkFile").symlink_to("A/Zone")
    (root / "A" / "LinkUp").symlink_to("../Plain")
    (root / "Broken").symlink_to("nowhere")
    (root / "LinkNotTz").symlink_to("NotTz")


def _names(root: Path) -> set[str]:
    """Every path below `root` (links followed), and their variants."""
    names: set[str] = set()
    for top, dirs, files in os.walk(root, followlinks=True):
        for item in dirs + files:
            relative = os.path.relpath(os.path.join(top, item), root)
            names.update({relative, relative + "/", relative.lower(), relative.upper(),
                          "./" + relative, relative.replace("/", "//")})
    return names


def test_a_made_up_tzpath(tmp_path: Path, fresh: None) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    _tree(first)
    (second / "Second").mkdir(parents=True)
    (second / "Second" / "Zone").write_bytes(TZIF)
    (second / "Plain").write_bytes(b"not TZif, but the first directory has one")
    zoneinfo.reset_tzpath(to=[str(tmp_path / "missing"), str(first), str(second)])
    known = zoneinfo.available_timezones()
    # What the walk gives, spelt out (so that the comparison below compares something).
    for name in ("Plain", "A/Zone", "A/Deep/Zone", "Sub/right/W", "Sub/posix/V",
                 "Case/Zone", "right2/U", "LinkFile", "A/LinkUp", "Second/Zone"):
        assert name in known and zones.is_known_zone(name), name
    for name in ("NotTz", "Empty", "right/X", "posix/Y/Z", "posixrules", "Dir", "LinkDir",
                 "LinkDir/Zone", "Broken", "LinkNotTz", "case/Zone", "A", "Second"):
        assert name not in known and not zones.is_known_zone(name), name
    for name in sorted(_names(first) | _names(second) | set(HOSTILE)):
        assert zones.is_known_zone(name) == (name in known), name


def test_get_zone_still_rejects_an_unknown_name(fresh: None) -> None:
    with pytest.raises(zones.CronError, match="Invalid or unsupported timezone 'posix/UTC'"):
        zones.get_zone("posix/UTC", 3, 4)
    assert zones.get_zone("Europe/Berlin").key == "Europe/Berlin"
