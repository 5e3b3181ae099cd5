"""BT505 some-tasks-pending: the job ended with part of its mini-batches never processed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class SomeTasksPending(SignatureRule):
    code = "BT505"
    name = "some-tasks-pending"
    category = Category.TIMEOUT
    title = "The job ended with mini-batches still pending"
    remedy = (
        "Compare the Elapsed Seconds of the processed mini-batches (logs/sys/report/processed_tasks.csv or "
        "logs/sys/job_report/processed_mini-batches.csv) with the timeout: when they come close to it, raise "
        "retry_settings.timeout (--run_invocation_timeout) or lower mini_batch_size. The pending ones are listed in "
        "logs/sys/report/pending_tasks.csv."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The driver's final report: some mini-batches were processed and the rest never finished."
    why = "The pending mini-batches produced no output; usually their attempts all ran past the invocation timeout."
    example = (
        "There are 37 pending tasks which can be found in logs/report/pending_tasks.csv and 83 processed tasks "
        "which can be found in logs/report/processed_tasks.csv."
    )
    phase = 48
    fatal = True
    triggers = ("pending tasks which can be found in",)
    pattern = re.compile(r"There are (\d+) pending tasks which can be found in \S+ and (\d+) processed tasks")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "pending"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        pending, processed = (match.group(1), match.group(2)) if match else ("some", "the other")
        text = f"The job ended with {pending} mini-batches pending and {processed} processed"
        values = facts.minibatches.elapsed_values
        limit = facts.settings.get("run_invocation_timeout")
        if values and limit and limit.isdigit():
            text += f"; the slowest processed mini-batch took {max(values):.0f} s of the {limit} s timeout"
        return text + "."
