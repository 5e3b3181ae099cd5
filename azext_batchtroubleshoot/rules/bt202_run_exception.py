"""BT202 run-exception: the scoring script's run() raised an exception on some mini-batches."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Finding
from ..logs.facts import JobFacts
from .base import Rule, category_of_exception, traceback_finding, unclaimed_tracebacks


class RunException(Rule):
    code = "BT202"
    name = "run-exception"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script's run() raised an exception"
    remedy = (
        "Fix run(mini_batch) in the scoring script: the traceback shows the line and the mini-batch. Catch errors per "
        "file inside run() and return a result row for each item that succeeded, so one bad file does not fail the "
        "whole mini-batch."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script"
    what = "run() raised while processing a mini-batch; the mini-batch is retried and then counted as failed."
    why = "Failed mini-batches count against the error threshold; if none succeed the job fails."
    example = "KeyError: 'feature_7'"
    phase = 40
    late = True

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        for group in unclaimed_tracebacks(facts, phase="run"):
            # A FileNotFoundError reading the input is a data-access problem, not a bug in the script.
            yield traceback_finding(
                self, group, "run() raised", category=category_of_exception(group.items[0].exc_type)
            )
