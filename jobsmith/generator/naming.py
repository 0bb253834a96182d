"""File names of generated output."""

from __future__ import annotations


def pipeline_path(full_name: str) -> str:
    """Path of a job's pipeline text below `OUT/pipelines/`."""
    return f"{full_name}.groovy"
