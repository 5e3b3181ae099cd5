"""BT203 run-returned-wrong-type: run() must return a list or a pandas DataFrame."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class RunReturnedWrongType(SignatureRule):
    code = "BT203"
    name = "run-returned-wrong-type"
    category = Category.ENTRY_SCRIPT
    title = "run() returned something other than a list or a DataFrame"
    remedy = (
        "Make run(mini_batch) return a list or a pandas DataFrame with one element per input item that succeeded "
        "(for example 'return results' at the end of every path; a missing return gives NoneType)."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script#understanding-the-run-function"
    )
    what = "The batch driver counts the elements run() returns as succeeded items; it got another type."
    why = "Every mini-batch is counted as failed, so the job ends with no succeeded mini-batch and fails."
    example = (
        "The run() method in the entry script should return a list or a pandas DataFrame. [...] "
        "The actual type of output is NoneType."
    )
    phase = 40
    fatal = True
    triggers = ("should return a list or a pandas DataFrame",)
    pattern = re.compile(r"should return a list or a pandas DataFrame(?:.*?actual type of output(?: '.*?')? is (\w+))?")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return (match.group(1) if match else None) or "unknown"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        kind = (match.group(1) if match else None) or "an unsupported type"
        hint = " (run() has a path without a return statement)" if kind == "NoneType" else ""
        return f"run() returned {kind} instead of a list or a pandas DataFrame{hint}{where(hits)}."
