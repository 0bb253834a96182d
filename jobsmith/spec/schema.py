"""The JSON Schema of a job spec file, for editors (yaml-language-server)."""

from __future__ import annotations

from typing import Any

from jobsmith.spec.model import JobDocument

SCHEMA_ID = "https://jobsmith.invalid/schema/job.json"


def job_schema() -> dict[str, Any]:
    schema = JobDocument.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "jobsmith job spec"
    schema["description"] = (
        "One job of a jobsmith spec tree (also the keys allowed in _defaults.yaml). "
        "A job has either `command` or `stages`."
    )
    return schema
