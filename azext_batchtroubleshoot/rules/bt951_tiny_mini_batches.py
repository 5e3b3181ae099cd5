"""BT951 tiny-mini-batches: mini-batches so short that the fixed cost of each one dominates."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.tables import median_of_ordered
from .base import Rule

# Median Elapsed Seconds of a mini-batch run. The PRS tuning guide: keep a mini-batch at 10+ s, since each one
# costs about 0.05 s of scheduling plus queueing and writing its results.
MEDIAN_INFO_S = 10.0
MEDIAN_WARNING_S = 3.0
MEDIAN_ERROR_S = 1.0
MEDIAN_BANDS = Bands(info=MEDIAN_INFO_S, warning=MEDIAN_WARNING_S, error=MEDIAN_ERROR_S, higher_is_worse=False)
TARGET_S = 10.0
OVERHEAD_PER_MINI_BATCH_S = 0.05
# A handful of short mini-batches costs nothing worth mentioning.
MIN_RUNS = 20


class TinyMiniBatches(Rule):
    code = "BT951"
    name = "tiny-mini-batches"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Mini-batches are so short that per-mini-batch overhead dominates"
    remedy = (
        "Raise mini_batch_size so that one mini-batch takes 10 s or more (the tuning guide's rule of thumb); for "
        "tabular inputs give it in bytes (for example '10MB')."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "Every mini-batch pays a fixed cost (about 0.05 s of scheduling, the queue round trip, the result write); "
        "the guide advises mini-batches of 10+ s so that this cost stays small."
    )
    why = "Many tiny mini-batches spend a large share of the job on bookkeeping and load the master's queue."
    example = "Mini-batches take 1.2 s median over 4800 runs; raise mini_batch_size ~9× (from 10 to ~90)."
    phase = 80

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        values = facts.minibatches.elapsed_values
        if len(values) < MIN_RUNS:
            return
        median = median_of_ordered(facts.minibatches.ordered_elapsed())
        severity = grade(median, MEDIAN_BANDS)
        if severity is None:
            return
        factor = max(2, math.ceil(TARGET_S / max(median, 0.01)))
        size = facts.settings.get("mini_batch_size", "")
        target = f" (from {size} to ~{int(size) * factor})" if size.isdigit() else ""
        fixed = OVERHEAD_PER_MINI_BATCH_S * len(values)
        message = (
            f"Mini-batches take {median:.2g} s median over {len(values)} runs, well under the {TARGET_S:.0f}+ s the "
            f"PRS tuning guide recommends: each one also pays ~{OVERHEAD_PER_MINI_BATCH_S} s of scheduling "
            f"({fixed:.0f} s in all here), a queue round trip and a result write. Raise mini_batch_size ~{factor}×"
            f"{target} to amortise that fixed cost."
        )
        report = facts.minibatches
        summary = f"median Elapsed Seconds {median:.2g} over {len(values)} runs"
        evidence = [Evidence(path, None, summary) for path in report.files][:1]
        yield self.make(message, (), count=len(values), evidence=evidence, severity=severity)
