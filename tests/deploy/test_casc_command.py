"""`jobsmith casc`: the JCasC for throttle categories and the Priority Sorter strategy.

Keys from the plugins' sources: throttle-concurrents `ThrottleJobProperty.DescriptorImpl`
(@Symbol "throttleJobProperty", setCategories) and `ThrottleCategory(categoryName,
maxConcurrentPerNode, maxConcurrentTotal, nodeLabeledPairs)`; Priority Sorter
`PrioritySorterConfiguration.setStrategy`, `AbsoluteStrategy(numberOfPriorities,
defaultPriority)`, `PriorityConfiguration.setJobGroups`, `JobGroup` setters and
`JobPropertyStrategy`, in the shape of the plugin's own JCasC test
(ConfigurationAsCodeTest/PriorityConfiguration.yaml).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from jobsmith.cli.app import cli

ROOT = Path(__file__).resolve().parents[2]


def _casc(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["casc", str(root)])
    return result.exit_code, result.output


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "jobs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "jobs"


def test_categories_and_priorities_of_the_specs(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "a.yaml": "command: x\nthrottle: {category: db, max_total: 2}\npriority: 1\n",
        "b/c.yaml": "command: x\nthrottle: {category: db, max_per_node: 1}\n",
        "d.yaml": "command: x\nthrottle: {category: net}\n",
        "e.yaml": "command: x\nthrottle: {max_total: 3}\n",  # its own limit: no category
    })
    code, output = _casc(root)
    assert code == 0, output
    assert "No spec states the limits of net: 0 means no limit" in output
    assert yaml.safe_load(output) == {"unclassified": {
        "throttleJobProperty": {"categories": [
            {"categoryName": "db", "maxConcurrentPerNode": 1, "maxConcurrentTotal": 2},
            {"categoryName": "net", "maxConcurrentPerNode": 0, "maxConcurrentTotal": 0},
        ]},
        "prioritySorterConfiguration": {"strategy": {"absoluteStrategy": {
            "numberOfPriorities": 5, "defaultPriority": 3}}},
        "priorityConfiguration": {"jobGroups": [{
            "id": 0, "description": "jobsmith: the priority each job's spec states",
            "priority": 3, "jobGroupStrategy": "allJobs", "usePriorityStrategies": True,
            "priorityStrategies": [
                {"priorityStrategy": {"id": 0, "priorityStrategy": "jobPropertyStrategy"}}],
        }]},
    }}


def test_specs_without_either_need_nothing(tmp_path: Path) -> None:
    code, output = _casc(_tree(tmp_path, {"a.yaml": "command: x\n"}))
    assert code == 0
    assert yaml.safe_load(output) is None  # comments only: a valid, empty JCasC file
    assert "nothing to set" in output


def test_only_priorities(tmp_path: Path) -> None:
    code, output = _casc(_tree(tmp_path, {"a.yaml": "command: x\npriority: 5\n"}))
    assert code == 0
    assert set(yaml.safe_load(output)["unclassified"]) == {
        "prioritySorterConfiguration", "priorityConfiguration"}


def test_the_examples() -> None:
    code, output = _casc(ROOT / "examples" / "jobs")
    assert code == 0, output
    categories = yaml.safe_load(output)["unclassified"]["throttleJobProperty"]["categories"]
    assert categories == [{"categoryName": "fleet-maintenance", "maxConcurrentPerNode": 0,
                           "maxConcurrentTotal": 2}]


def test_a_spec_error_is_reported_and_nothing_printed(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["casc", str(_tree(tmp_path, {"a.yaml": "comand: x\n"}))])
    assert result.exit_code == 2
    assert "unclassified" not in result.output
