from __future__ import annotations

import re

import pytest

from jobsmith.generator.naming import dsl_paths

JAVA_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("backup", "backup.groovy"),
        ("data/nightly-backup", "data/nightly_backup.groovy"),
        ("a/b/c.d", "a/b/c_d.groovy"),
        ("2fa-reset", "job_2fa_reset.groovy"),
        ("java", "job_java.groovy"),
        ("class", "job_class.groovy"),
    ],
)
def test_names(name: str, path: str) -> None:
    assert dsl_paths([name]) == {name: path}


def test_collisions_get_a_hash_and_stay_distinct() -> None:
    names = ["x/a-b", "x/a_b", "x/a.b", "folders", "y/folders"]
    paths = dsl_paths(names)
    assert len(set(paths.values())) == len(names)
    assert paths["y/folders"] == "y/folders.groovy"
    assert paths["folders"] != "folders.groovy"
    for path in paths.values():
        assert JAVA_IDENTIFIER.match(path.rsplit("/", 1)[-1].removesuffix(".groovy"))


def test_mapping_is_deterministic() -> None:
    names = [f"team{i % 3}/job-{i}" for i in range(50)]
    assert dsl_paths(names) == dsl_paths(list(reversed(names)))
