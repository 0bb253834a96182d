"""try's outputs matcher against the real Ant `DirectoryScanner` (Debian's ant 1.10,
the library Jenkins core's `DirScanner.Glob` uses for `stash`), on one tree with dot
files, default-excluded files, linked files and directories, a broken link, and names
with spaces and brackets: for every includes string, the same files."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from jobsmith.generator.steps import Stash
from jobsmith.tryrun.outputs import included_files, patterns
from tests.support.groovy import JAVA_HOME, require_groovy

HERE = Path(__file__).parent

FILES = ["report.csv", "totals.csv", ".h.csv", "out/a", "out/.hidden", "out/x/y.txt",
         "out/.git/config", "out/.gitignore", "out/notes~", "out/CVS/Entries", "out/#t#",
         "sub/deep/r.csv", "a b.txt", "abc", "[ab].txt", "a.txt", "x/y", "x/1/2/y",
         "Out/upper"]
LINKS = {"link": "out/a", "linkdir": "sub", "out/broken": "nothere", "gone": "nothere"}
INCLUDES = ["out/", "out/**", "./report.csv", "out", "**/*.csv", "*.csv", "a?c", "[ab].txt",
            "x/**/y", "OUT/**", "report.csv, out/x/", " a b.txt ", "**", "link",
            "linkdir/**", "out//a", "sub/./deep/*", "**/y", "gone", "g*", "out/*", "out/b*",
            "**/.git/**", "out/.gitignore", "*", "**/deep", "nothing,at,all", "x/*/y"]


def test_the_same_files_as_ant(tmp_path: Path) -> None:
    require_groovy()
    tree = tmp_path / "ws"
    for rel in FILES:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(rel)
    for rel, target in LINKS.items():
        os.symlink(target, tree / rel)
    env = {**os.environ, "JAVA_HOME": os.environ.get("JAVA_HOME", JAVA_HOME)}
    done = subprocess.run(["groovy", str(HERE / "ant_scan.groovy"), str(tree), *INCLUDES],
                          capture_output=True, text=True, env=env, check=True, timeout=300)
    ant = {}
    for line in done.stdout.splitlines():
        includes, *files = line.split("\t")
        ant[includes] = [f for f in files if f]
    assert list(ant) == INCLUDES, done.stderr
    ours = {i: included_files(tree, patterns(Stash("s", i))) for i in INCLUDES}
    assert ours == ant
    assert ant["out/"] == ["out/.hidden", "out/a", "out/broken", "out/x/y.txt"]  # non-trivial
