"""BT103 pip-missing-in-image: the batch driver runs ``python -m pip`` while it starts."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, is_import_failure, where


class PipMissingInImage(SignatureRule):
    code = "BT103"
    name = "pip-missing-in-image"
    category = Category.ENVIRONMENT
    title = "pip is missing from the environment's image"
    remedy = (
        "Keep pip in the custom image or conda environment (add 'pip' to the conda dependencies); the batch driver "
        "runs 'python -m pip' while it initialises."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
    what = "The Python of the environment has no pip module."
    why = "The batch driver needs pip while it starts, so the job dies with exit 42 before the scoring script runs."
    example = "/azureml-envs/azureml_1f2e/bin/python: No module named pip"
    phase = 5
    fatal = True
    triggers = ("No module named",)
    pattern = re.compile(r"No module named '?pip'?(?![\w.])")

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if is_import_failure(facts, hit):
                yield hit, match

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return f"The environment has no pip{where(hits)}: the batch driver fails before the scoring script is called."
