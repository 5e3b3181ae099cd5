"""BT801 error-threshold-exceeded: more items or mini-batches failed than the job allows."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class ErrorThresholdExceeded(SignatureRule):
    code = "BT801"
    name = "error-threshold-exceeded"
    category = Category.CONFIGURATION
    role = Role.SYMPTOM
    title = "More items failed than the error threshold allows"
    remedy = (
        "Fix the failures behind the count (see the other findings); raise error_threshold (or "
        "mini_batch_error_threshold) only if some failed items are acceptable; -1 ignores all failures."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The job stopped because the number of failed items (or mini-batches) passed the configured threshold."
    why = "It is the consequence of item failures; the reason those items failed is the real problem."
    example = "The number of failed items is 12, which exceeds error threshold 10."
    phase = 90
    fatal = True
    triggers = ("which exceeds error threshold", "Exceeded error threshold")
    pattern = re.compile(r"failed items is (\d+), which exceeds error threshold (-?\d+)|Exceeded error threshold")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "threshold"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        for hit in hits:
            found = self.pattern.search(hit.text)
            if found and found.group(1):
                return (
                    f"The job stopped: {found.group(1)} items failed, more than the error threshold of "
                    f"{found.group(2)}."
                )
        return "The job stopped because it exceeded its error threshold."
