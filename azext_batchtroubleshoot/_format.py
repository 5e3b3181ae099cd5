"""Table transformers for ``-o table`` (thin wrappers over the renderers)."""

from __future__ import annotations

from typing import Any


def transform_findings_table(result: Any) -> Any:
    from azext_batchtroubleshoot.render.table import findings_table

    return findings_table(result) if isinstance(result, dict) else result


def transform_rules_table(result: Any) -> Any:
    from azext_batchtroubleshoot.render.table import rules_table

    return rules_table(result) if isinstance(result, list) else result


def transform_job_table(result: Any) -> Any:
    """``show -o table``: one row for the job and one per step, with their log files."""
    if not isinstance(result, dict):
        return result
    from collections import OrderedDict

    sizes: dict[str, tuple[int, int]] = {}
    for item in result.get("log_files") or []:
        count, total = sizes.get(item.get("run"), (0, 0))
        sizes[item.get("run")] = (count + 1, total + (item.get("size") or 0))
    runs = [result, *(result.get("children") or [])]
    rows = []
    for run in runs:
        count, total = sizes.get(run.get("name"), (0, 0))
        rows.append(
            OrderedDict(
                [
                    ("Name", run.get("name")),
                    ("DisplayName", run.get("display_name")),
                    ("Status", run.get("status")),
                    ("LogFiles", count),
                    ("LogKB", round(total / 1024, 1)),
                ]
            )
        )
    return rows
