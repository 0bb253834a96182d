"""Ant patterns as `stash` reads its `includes` (Ant `DirectoryScanner` and
`SelectorUtils.matchPath`, through core's `Util.createFileSet`): `**` is any number of
directories (none included), `*` and `?` stay within one name and match a leading dot,
matching is case-sensitive, a pattern ending in `/` means everything below it, and the
default excludes leave version-control and editor files out."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsmith.generator.steps import Stash
from jobsmith.tryrun.outputs import ant_match, included_files, patterns


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("report.csv", "report.csv", True),
    ("report.csv", "sub/report.csv", False),
    ("Report.csv", "report.csv", False),
    ("out/**", "out/a", True),
    ("out/**", "out/x/y/z.txt", True),
    ("out/**", "outer/a", False),
    ("out/**", "out", True),  # `**` stands for no directory too
    ("**/*.csv", "a.csv", True),
    ("**/*.csv", "x/y/a.csv", True),
    ("*.csv", "x/a.csv", False),
    ("*.csv", ".hidden.csv", True),
    ("a?c", "abc", True),
    ("a?c", "a/c", False),
    ("a**b", "axxb", True),  # `**` inside a name is just two `*`
    ("x/**/y", "x/y", True),
    ("x/**/y", "x/1/2/y", True),
    ("[ab].txt", "a.txt", False),  # no character classes in Ant
    ("[ab].txt", "[ab].txt", True),
    ("a+b(c).txt", "a+b(c).txt", True),
])
def test_ant_match(pattern: str, path: str, matches: bool) -> None:
    assert ant_match(pattern, path) is matches


def test_includes_are_split_on_commas_and_trimmed() -> None:
    assert patterns(Stash("s", "report.csv, out/**,dir/ ,")) == ["report.csv", "out/**",
                                                                  "dir/**"]


def test_files_only_and_the_default_excludes(tmp_path: Path) -> None:
    for rel in ("out/a", "out/.hidden", "out/.git/config", "out/sub/.gitignore",
                "out/notes~", "out/#x#", "out/.DS_Store", "out/CVS/Entries", "out/keep.svn",
                "top.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    (tmp_path / "out/empty").mkdir()
    assert included_files(tmp_path, ["out/**"]) == ["out/.hidden", "out/a", "out/keep.svn"]
    assert included_files(tmp_path, ["out"]) == []  # a directory alone is no file
    assert included_files(tmp_path, ["**/*.txt", "out/a"]) == ["out/a", "top.txt"]
