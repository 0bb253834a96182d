from __future__ import annotations

from collections.abc import Iterator

import pytest

from jobsmith.seed.connection import JenkinsClient, JenkinsSettings
from tests.seed.fake_jenkins import FakeJenkins


@pytest.fixture
def fake() -> Iterator[FakeJenkins]:
    with FakeJenkins().serve() as server:
        yield server


@pytest.fixture
def client(fake: FakeJenkins) -> JenkinsClient:
    return JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()), sleep=fake.tick)


FOLDER_XML = "<com.cloudbees.hudson.plugins.folder.Folder/>"


def pipeline_xml(parameters: str = "", disabled: bool = False) -> str:
    props = ""
    if parameters:
        props = ("<hudson.model.ParametersDefinitionProperty><parameterDefinitions>"
                 f"{parameters}</parameterDefinitions></hudson.model.ParametersDefinitionProperty>")
    return (f"<flow-definition plugin='workflow-job'><properties>{props}</properties>"
            f"<disabled>{'true' if disabled else 'false'}</disabled></flow-definition>")


def string_param(name: str, default: str = "") -> str:
    return (f"<hudson.model.StringParameterDefinition><name>{name}</name>"
            f"<defaultValue>{default}</defaultValue></hudson.model.StringParameterDefinition>")


def choice_param(name: str, *choices: str) -> str:
    strings = "".join(f"<string>{c}</string>" for c in choices)
    return (f"<hudson.model.ChoiceParameterDefinition><name>{name}</name>"
            f"<choices class='java.util.Arrays$ArrayList'><a class='string-array'>{strings}</a>"
            "</choices></hudson.model.ChoiceParameterDefinition>")


def boolean_param(name: str, default: bool = False) -> str:
    return (f"<hudson.model.BooleanParameterDefinition><name>{name}</name>"
            f"<defaultValue>{'true' if default else 'false'}</defaultValue>"
            "</hudson.model.BooleanParameterDefinition>")
