"""BT903 no-succeeded-mini-batch: every mini-batch failed, so there was nothing to append."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class NoSucceededMiniBatch(SignatureRule):
    code = "BT903"
    name = "no-succeeded-mini-batch"
    category = Category.OUTPUT
    role = Role.SYMPTOM
    title = "No mini-batch succeeded"
    remedy = (
        "Every mini-batch failed: read the per-file errors in logs/user/stdout/<node>/ and the traces in "
        "logs/user/error/; check that run() returns one element per input and that the input files match what "
        "the model expects."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#there-is-no-succeeded-mini-batch-item-returned-from-run"
    )
    what = "The master found no successful result to write when the job ended (NoResultToAppendError)."
    why = "It follows from every mini-batch failing; the reason they failed is the cause."
    example = (
        "There is no succeeded mini batch item returned from run(). "
        "Please check 'response: run()' in https://aka.ms/batch-inference-documentation"
    )
    phase = 95
    fatal = True
    triggers = ("There is no succeeded mini batch item returned from run()", "NoResultToAppendError")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "no-succeeded"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return "No mini-batch succeeded: run() returned no successful item for any mini-batch."
