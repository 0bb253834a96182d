"""Job specs -> Job DSL scripts and Pipeline Groovy."""

from jobsmith.generator.generate import GenerateResult, generate
from jobsmith.generator.groovy import groovy_string
from jobsmith.generator.render import render_job

__all__ = ["GenerateResult", "generate", "groovy_string", "render_job"]
