from __future__ import annotations

from pathlib import Path

import pytest

from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.errors import JenkinsRequestError, UnknownJobError, UsageError
from jobsmith.seed.trigger import (
    ParameterDef,
    check_parameters,
    from_jenkins,
    parse_assignments,
    prepare,
)
from tests.seed.conftest import boolean_param, choice_param, pipeline_xml, string_param
from tests.seed.fake_jenkins import FakeJenkins

DEFS = [
    ParameterDef("TARGET", "choice", ("s3", "gcs")),
    ParameterDef("FULL", "boolean"),
    ParameterDef("NOTE", "string"),
    ParameterDef("BODY", "text"),
]

SPEC = """\
command: backup.sh
schedule: "H 2 * * *"
parameters:
  - {name: TARGET, type: choice, choices: [s3, gcs]}
  - {name: FULL, type: boolean, default: false}
  - {name: NOTE, type: string}
"""


@pytest.mark.parametrize(("given", "expected"), [
    ([], {}),
    ([("TARGET", "gcs")], {"TARGET": "gcs"}),
    ([("FULL", "TRUE")], {"FULL": "true"}),
    ([("FULL", "false")], {"FULL": "false"}),
    ([("NOTE", "a=b c")], {"NOTE": "a=b c"}),
    ([("BODY", "two\nlines")], {"BODY": "two\nlines"}),
    ([("NOTE", "")], {"NOTE": ""}),
])
def test_accepted_values(given: list[tuple[str, str]], expected: dict[str, str]) -> None:
    assert check_parameters("job", DEFS, given) == expected


@pytest.mark.parametrize(("defs", "given", "message"), [
    (DEFS, [("TARGT", "s3")], "has no parameter TARGT; did you mean TARGET?"),
    (DEFS, [("ZZZ", "1")], "has no parameter ZZZ (its parameters: BODY, FULL, NOTE, TARGET)"),
    (DEFS, [("TARGET", "azure")], "TARGET must be one of s3, gcs; got 'azure'"),
    (DEFS, [("FULL", "yes")], "FULL is a boolean: use true or false, not 'yes'"),
    (DEFS, [("NOTE", "a\nb")], "NOTE is a one-line string"),
    (DEFS, [("NOTE", "a"), ("NOTE", "b")], "NOTE is given twice"),
    ([], [("X", "1")], "job takes no parameters"),
])
def test_refused_values(defs: list[ParameterDef], given: list[tuple[str, str]],
                        message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("?", r"\?")) as caught:
        check_parameters("job", defs, given)
    assert caught.value.exit_code == 2


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(UsageError) as caught:
        check_parameters("job", DEFS, [("TARGET", "x"), ("FULL", "y")])
    assert len(str(caught.value).splitlines()) == 2


@pytest.mark.parametrize(("pairs", "parsed"), [
    (["A=1"], [("A", "1")]),
    (["A=x=y"], [("A", "x=y")]),
    (["A="], [("A", "")]),
])
def test_assignments(pairs: list[str], parsed: list[tuple[str, str]]) -> None:
    assert parse_assignments(pairs) == parsed


@pytest.mark.parametrize("pair", ["A", "=1", " =1"])
def test_bad_assignments(pair: str) -> None:
    with pytest.raises(UsageError, match="expected NAME=VALUE"):
        parse_assignments([pair])


def test_definitions_from_jenkins_json() -> None:
    info = {"property": [{"_class": "x"}, {"parameterDefinitions": [
        {"name": "A", "type": "ChoiceParameterDefinition", "choices": ["1", "2"]},
        {"name": "B", "type": "BooleanParameterDefinition"},
        {"name": "C", "type": "PasswordParameterDefinition"},
    ]}]}
    assert from_jenkins(info) == [ParameterDef("A", "choice", ("1", "2")),
                                  ParameterDef("B", "boolean"), ParameterDef("C", "other")]


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nightly-backup.yaml").write_text(SPEC)
    (tmp_path / "report.yaml").write_text("command: report.sh\n")
    return tmp_path


@pytest.fixture
def deployed(fake: FakeJenkins, client: JenkinsClient) -> FakeJenkins:
    client.create_job("data", "<com.cloudbees.hudson.plugins.folder.Folder/>")
    client.create_job("data/nightly-backup", pipeline_xml(
        choice_param("TARGET", "s3", "gcs") + boolean_param("FULL") + string_param("NOTE")))
    client.create_job("report", pipeline_xml())
    return fake


def test_a_spec_error_is_caught_before_any_request(fake: FakeJenkins, client: JenkinsClient,
                                                  specs: Path) -> None:
    with pytest.raises(UsageError, match="TARGET must be one of s3, gcs"):
        prepare(client, "data/nightly-backup", ["TARGET=azure"], specs)
    assert fake.requests == []


def test_parameters_go_to_build_with_parameters(deployed: FakeJenkins, client: JenkinsClient,
                                                specs: Path) -> None:
    values = prepare(client, "data/nightly-backup", ["TARGET=gcs", "FULL=True"], specs)
    assert values == {"TARGET": "gcs", "FULL": "true"}
    queue_id = client.start_build("data/nightly-backup", values)
    post = deployed.posts()[-1]
    assert post.path == "/job/data/job/nightly-backup/buildWithParameters"
    assert post.query == {"TARGET": "gcs", "FULL": "true"}
    build = deployed.state.items["data/nightly-backup"].builds[1]
    assert (build.queue_id, build.parameters) == (queue_id, {"TARGET": "gcs", "FULL": "true",
                                                              "NOTE": ""})


def test_a_parameterised_job_without_values_uses_its_defaults(deployed: FakeJenkins,
                                                             client: JenkinsClient,
                                                             specs: Path) -> None:
    values = prepare(client, "data/nightly-backup", [], specs)
    assert values == {}
    client.start_build("data/nightly-backup", values)
    assert deployed.posts()[-1].path.endswith("/buildWithParameters")
    assert deployed.state.items["data/nightly-backup"].builds[1].parameters["TARGET"] == "s3"


def test_a_job_without_parameters_uses_build(deployed: FakeJenkins, client: JenkinsClient,
                                             specs: Path) -> None:
    assert prepare(client, "report", [], specs) is None
    client.start_build("report", None)
    assert deployed.posts()[-1].path == "/job/report/build"


def test_jobs_outside_the_spec_tree_are_checked_against_jenkins(
    deployed: FakeJenkins, client: JenkinsClient, tmp_path: Path
) -> None:
    before = len(deployed.posts())
    with pytest.raises(UsageError, match="TARGET must be one of s3, gcs"):
        prepare(client, "data/nightly-backup", ["TARGET=azure"], tmp_path / "missing")
    assert len(deployed.posts()) == before


def test_the_fake_refuses_what_jenkins_refuses(deployed: FakeJenkins,
                                               client: JenkinsClient) -> None:
    """Why the checks matter: Jenkins' own answers to unchecked requests."""
    with pytest.raises(JenkinsRequestError, match="Nothing is submitted"):
        client.start_build("data/nightly-backup", None)
    with pytest.raises(Exception, match="Illegal choice for parameter TARGET"):
        client.start_build("data/nightly-backup", {"TARGET": "azure"})
    with pytest.raises(Exception, match="This build is not parameterized"):
        client.start_build("report", {"X": "1"})


def test_unknown_and_disabled_jobs(deployed: FakeJenkins, client: JenkinsClient,
                                   specs: Path) -> None:
    with pytest.raises(UnknownJobError):
        prepare(client, "data/nope", [], specs)
    client.create_job("old", pipeline_xml(disabled=True))
    with pytest.raises(JenkinsRequestError, match="disabled"):
        prepare(client, "old", [], specs)


def test_spec_parameters_not_yet_deployed(fake: FakeJenkins, client: JenkinsClient,
                                          specs: Path) -> None:
    client.create_job("data", "<com.cloudbees.hudson.plugins.folder.Folder/>")
    client.create_job("data/nightly-backup", pipeline_xml())
    with pytest.raises(JenkinsRequestError, match="run `jobsmith deploy` first"):
        prepare(client, "data/nightly-backup", ["TARGET=s3"], specs)
