"""`jobsmith casc`: the JCasC fragment for the queue settings that the specs rely on.

Two plugins read global settings that a job property only refers to:
- throttle-concurrents: a job's `ThrottleJobProperty` names categories; a category that
  is not configured globally throttles nothing. JCasC: `unclassified.throttleJobProperty
  .categories` (ThrottleJobProperty.DescriptorImpl, @Symbol "throttleJobProperty",
  setCategories; ThrottleCategory(categoryName, maxConcurrentPerNode, maxConcurrentTotal,
  nodeLabeledPairs); 0 means no limit).
- Priority Sorter: a job's `PriorityJobProperty` counts only when a job group's priority
  strategy is `JobPropertyStrategy` ("Take the priority from property on the job";
  JobPropertyStrategy.getPriorityInternal), and the sorter must have the levels the
  specs use: `AbsoluteStrategy(numberOfPriorities, defaultPriority)` with 5 and 3, the
  spec's range and Jenkins' default. Keys as in the plugin's own JCasC tests
  (ConfigurationAsCodeTest/PriorityConfiguration.yaml, PrioritySorterConfiguration.yaml).

The fragment is a JCasC file of its own: put it beside deploy/jenkins.yaml in the
directory CASC_JENKINS_CONFIG names; JCasC merges the files' mappings
(ErrorOnConflictMergeStrategy).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from jobsmith.spec import SpecTree, load_tree
from jobsmith.spec.dependencies import category_limits
from jobsmith.spec.tree import tree_links

PRIORITY_LEVELS = 5  # the spec's `priority` range, 1..5
DEFAULT_PRIORITY = 3  # Jenkins' and the plugin's default (MultiBucketStrategy.DEFAULT_PRIORITY)


def casc_settings(tree: SpecTree) -> dict[str, Any]:
    """The `unclassified` settings the jobs of `tree` need; empty when they need none."""
    jobs = list(tree.jobs.values())
    unclassified: dict[str, Any] = {}
    limits = category_limits([tree_links(job) for job in jobs])
    if limits:
        unclassified["throttleJobProperty"] = {"categories": [
            {"categoryName": name,
             "maxConcurrentPerNode": limit.get("max_per_node", 0),
             "maxConcurrentTotal": limit.get("max_total", 0)}
            for name, limit in limits.items()
        ]}
    if any(job.priority is not None for job in jobs):
        unclassified["prioritySorterConfiguration"] = {
            "strategy": {"absoluteStrategy": {"numberOfPriorities": PRIORITY_LEVELS,
                                              "defaultPriority": DEFAULT_PRIORITY}},
        }
        unclassified["priorityConfiguration"] = {"jobGroups": [{
            "id": 0,
            "description": "jobsmith: the priority each job's spec states",
            "priority": DEFAULT_PRIORITY,
            "jobGroupStrategy": "allJobs",
            "usePriorityStrategies": True,
            "priorityStrategies": [
                {"priorityStrategy": {"id": 0, "priorityStrategy": "jobPropertyStrategy"}},
            ],
        }]}
    return {"unclassified": unclassified} if unclassified else {}


def casc_fragment(spec_root: Path) -> str:
    """The JCasC file for the specs below `spec_root` (SpecError when one is invalid)."""
    tree = load_tree(spec_root)
    settings = casc_settings(tree)
    header = (f"# JCasC written by `jobsmith casc` for {len(tree.jobs)} job(s) below "
              f"{spec_root}.\n# Put it beside jenkins.yaml in the CASC_JENKINS_CONFIG "
              "directory; run again after specs change.\n")
    if not settings:
        return header + "# The specs use no throttle category and no priority: nothing to set.\n"
    unstated = [name for name, limit in category_limits(
        [tree_links(job) for job in tree.jobs.values()]).items() if not limit]
    if unstated:
        header += (f"# No spec states the limits of {', '.join(unstated)}: 0 means no limit "
                   "until you set them.\n")
    return header + yaml.safe_dump(settings, sort_keys=False, default_flow_style=False)
