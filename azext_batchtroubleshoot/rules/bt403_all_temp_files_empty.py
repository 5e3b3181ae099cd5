"""BT403 all-temp-files-empty: run() succeeded, but everything it returned was empty."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Severity
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class AllTempFilesEmpty(SignatureRule):
    code = "BT403"
    name = "all-temp-files-empty"
    category = Category.OUTPUT
    severity = Severity.WARNING
    title = "The output file is empty: run() returned only empty results"
    remedy = (
        "With output_action append_row, each element run() returns becomes one line of the output file: return the "
        "predictions (a list of strings or numbers, or a DataFrame with rows), not empty strings or empty "
        "DataFrames. If run() writes its own output files on purpose, set output_action to summary_only."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script#the-run-method"
    what = "Every temp result file the workers wrote was empty, so the concatenated output file has no rows."
    why = "The job can end 'Completed' with an empty predictions file; nothing says why unless you read this line."
    example = "All temp files are empty."
    phase = 60
    triggers = ("All temp files are empty",)
    pattern = re.compile(r"All temp files are empty")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "temp-files-empty"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        report = facts.minibatches
        done = f" although {report.succeeded} mini-batches succeeded" if report.present and report.succeeded else ""
        return f"The output file is empty: every result run() returned was empty{done}."
