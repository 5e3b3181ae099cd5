"""Table transformers for ``-o table`` (thin wrappers over the renderers)."""

from __future__ import annotations

from typing import Any


def transform_findings_table(result: Any) -> Any:
    from azext_batchtroubleshoot.render.table import findings_table

    return findings_table(result) if isinstance(result, dict) else result


def transform_rules_table(result: Any) -> Any:
    from azext_batchtroubleshoot.render.table import rules_table

    return rules_table(result) if isinstance(result, list) else result
