"""Arbitrary text in every string field of a spec: the generated Groovy parses under real
Groovy 2.4 and carries every value back exactly (many jobs per JVM)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jobsmith.generator import generate
from jobsmith.spec import load_tree
from tests.support.groovy import compile_files

ANY = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
SOME = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40).filter(
    str.strip
)
# Names starting with `jobsmith:` are reserved for the stages jobsmith adds.
STAGE_NAME = SOME.filter(lambda name: not name.strip().lower().startswith("jobsmith:"))
# PATH and JOBSMITH_* have rules of their own (prepended; reserved).
NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: name != "PATH" and not name.startswith("JOBSMITH_"))


def _quoted_label(text: str) -> str:
    """Any text as one quoted atom of a Jenkins label expression."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"'


LABEL = SOME.map(_quoted_label)


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "description": draw(ANY),
        "owner": draw(ANY),
        "agent": draw(LABEL),
        "env": draw(st.dictionaries(NAME, ANY, max_size=3)),
    }
    if draw(st.booleans()):
        spec["command"] = draw(st.one_of(SOME, st.lists(ANY, min_size=1, max_size=4)))
    else:
        names = draw(st.lists(STAGE_NAME, min_size=1, max_size=3, unique=True))
        spec["stages"] = [{"name": n, "command": draw(SOME), "agent": draw(LABEL)} for n in names]
        spec["stages"].append({"parallel": [
            {"name": f"{names[0]} on each", "command": draw(SOME), "on_each": draw(LABEL)},
            {"name": f"{names[0]} artifact", "command": draw(st.lists(ANY, min_size=1, max_size=3)),
             "artifact": {"url": "https://example.com/" + quote(draw(ANY), safe=""),
                          "sha256": "a" * 64}},
        ], "name": f"{names[0]} group"})
        everything = [*names, f"{names[0]} on each", f"{names[0]} artifact", f"{names[0]} group"]
        assume(len(set(everything)) == len(everything))
    choices = draw(st.lists(ANY, min_size=1, max_size=3, unique=True))
    spec["parameters"] = [
        {"name": "S", "default": draw(ANY), "description": draw(ANY)},
        {"name": "T", "type": "text", "default": draw(ANY)},
        {"name": "C", "type": "choice", "choices": choices, "description": draw(ANY)},
    ]
    return spec


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(specs(), min_size=15, max_size=15))
def test_arbitrary_strings_generate_groovy_that_parses(tmp_path_factory: Any,
                                                       documents: list[dict[str, Any]]) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    jobs = root / "jobs"
    jobs.mkdir()
    for index, document in enumerate(documents):
        text = yaml.safe_dump(document, allow_unicode=True)
        assume(yaml.safe_load(text) == document)
        (jobs / f"job{index}.yaml").write_text(text, encoding="utf-8")
    tree = load_tree(jobs)
    generate(jobs, root / "out")
    files = sorted((root / "out").rglob("*.groovy"))
    failures = {p: e for p, e in compile_files(files).items() if e}
    assert not failures
    data_file = (root / "out" / "dsl" / "jobsmith.json").read_bytes()
    assert data_file.isascii()
    data = {job["name"]: job for job in json.loads(data_file)["jobs"]}
    assert list(data) == list(tree.jobs)
    for name, job in tree.jobs.items():
        pipeline = (root / "out" / "pipelines" / f"{name}.groovy").read_text()
        assert pipeline.isascii()
        assert data[name]["pipeline"] == pipeline
        assert job.description is not None
        assert data[name]["description"].startswith(job.description.strip())
        assert [p["name"] for p in data[name]["parameters"]] == ["S", "T", "C"]
