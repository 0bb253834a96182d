"""`jobsmith generate`: a spec tree in, OUT/dsl, OUT/pipelines and OUT/manifest.json out."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobsmith import __version__
from jobsmith.generator.naming import FOLDERS_SCRIPT, dsl_paths, pipeline_path
from jobsmith.generator.output import AtomicOutput, WriteStats
from jobsmith.generator.render import render_folders, render_job
from jobsmith.spec import load_tree

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class GenerateResult:
    out: Path
    jobs: int
    folders: int
    stats: WriteStats


def generate(spec_root: Path, out: Path) -> GenerateResult:
    """Validate every spec below `spec_root` and replace `out` with the generated Groovy.

    Raises SpecError (nothing written) when any spec is invalid.
    """
    tree = load_tree(Path(spec_root))
    folders = tree.folders
    names = dsl_paths(tree.jobs)
    manifest: dict[str, Any] = {
        "generator": f"jobsmith {__version__}",
        "folders_script": f"dsl/{FOLDERS_SCRIPT}",
        "folders": folders,
        "jobs": {},
    }
    with AtomicOutput(Path(out), MANIFEST) as output:
        output.write(f"dsl/{FOLDERS_SCRIPT}", render_folders(folders).encode())
        for full_name, job in tree.jobs.items():
            rendered = render_job(job)
            dsl = f"dsl/{names[full_name]}"
            pipeline = f"pipelines/{pipeline_path(full_name)}"
            output.write(dsl, rendered.dsl.encode())
            output.write(pipeline, rendered.pipeline.encode())
            manifest["jobs"][full_name] = {
                "source": Path(job.source).relative_to(tree.root).as_posix(),
                "dsl": dsl,
                "pipeline": pipeline,
                "schedule": job.schedule.jenkins_text() if job.schedule else None,
                "ttl": rendered.ttl,
                "disabled": job.disabled,
                "sha256": hashlib.sha256(rendered.dsl.encode()).hexdigest(),
            }
        text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        output.write(MANIFEST, text.encode())
    return GenerateResult(out=Path(out), jobs=len(tree.jobs), folders=len(folders),
                          stats=output.stats)
