"""BT804 sdk-version-mismatch: the code passes ParallelRunConfig arguments that the installed SDK does not know."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class SdkVersionMismatch(SignatureRule):
    code = "BT804"
    name = "sdk-version-mismatch"
    category = Category.CONFIGURATION
    title = "The installed azureml SDK is older than the parallel-run code expects"
    remedy = (
        "Import ParallelRunConfig and ParallelRunStep from azureml.pipeline.steps (not the old azureml.contrib "
        "package) and install matching, current versions of azureml-core and azureml-pipeline-steps in the "
        "environment that builds the pipeline."
    )
    docs_url = "https://learn.microsoft.com/python/api/azureml-pipeline-steps/azureml.pipeline.steps.parallelrunconfig"
    what = (
        "ParallelRunConfig (or ParallelRunStep) rejected an argument that newer SDK versions accept, such as "
        "allowed_failed_count: the class comes from a stale package or an old version."
    )
    why = "The pipeline cannot even be built, so the parallel job never starts."
    example = "TypeError: __init__() got an unexpected keyword argument 'allowed_failed_count'"
    phase = 7
    fatal = True
    triggers = ("unexpected keyword argument 'allowed_failed_",)
    pattern = re.compile(r"unexpected keyword argument '(allowed_failed_(?:count|percent))'")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return match.group(1) if match else "sdk"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        argument = match.group(1) if match else "allowed_failed_count"
        return (
            f"ParallelRunConfig rejected '{argument}'{where(hits)}: the installed azureml SDK (or an azureml.contrib "
            "import) is older than the code."
        )
