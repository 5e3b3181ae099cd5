"""BT104 azureml-core-missing: batch deployments need the azureml SDK in the environment."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, is_import_failure, where


class AzuremlCoreMissing(SignatureRule):
    code = "BT104"
    name = "azureml-core-missing"
    category = Category.ENVIRONMENT
    title = "The azureml package is missing from the environment"
    remedy = (
        "Add 'azureml-core' (and 'azureml-dataset-runtime[fuse]' for file inputs) to the environment's pip "
        "dependencies, create a new environment version, and run 'az ml batch-deployment update' so the "
        "deployment uses it."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints#no-module-named-azureml"
    )
    what = "The batch driver or the scoring script imports the azureml SDK, which the environment does not have."
    why = "The driver that runs batch deployments uses the azureml SDK internally; without it nothing runs."
    example = "ModuleNotFoundError: No module named 'azureml'"
    phase = 10
    fatal = True
    triggers = ("No module named",)
    pattern = re.compile(r"No module named '?(azureml[\w.]*)'?")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return match.group(1) if match else hit.trigger

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if is_import_failure(facts, hit):
                yield hit, match

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        module = match.group(1) if match else "azureml"
        return f"The environment cannot import '{module}'{where(hits)}: batch deployments need azureml-core."
