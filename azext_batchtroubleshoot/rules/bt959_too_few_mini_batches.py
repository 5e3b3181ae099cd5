"""BT959 too-few-mini-batches: fewer mini-batches than worker processes, so part of the compute never works."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from .base import Rule

# Share of worker processes (nodes × processes per node) that cannot get a single mini-batch.
IDLE_INFO = 0.25
IDLE_WARNING = 0.50
IDLE_ERROR = 0.75
IDLE_BANDS = Bands(info=IDLE_INFO, warning=IDLE_WARNING, error=IDLE_ERROR)
# A tabular input scheduled as a single mini-batch is BT308's (tabular-single-mini-batch) to explain.
TABULAR_TRIGGER = "task provider type is Tabular"


class TooFewMiniBatches(Rule):
    code = "BT959"
    name = "too-few-mini-batches"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Fewer mini-batches than worker processes"
    remedy = (
        "Lower mini_batch_size so that every process gets several mini-batches, or run on fewer nodes. A single "
        "parquet file with one row group, or a SQL-backed tabular input, cannot be partitioned whatever "
        "mini_batch_size says: split the input into several files."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "The master scheduled fewer mini-batches than there are worker processes (instance_count × "
        "max_concurrency_per_instance), so some processes never get work."
    )
    why = "The idle processes and nodes are paid for and the job runs no faster than its few mini-batches allow."
    example = "Only 1 mini-batch for 8 worker processes (2 nodes × 4): 7 of them had nothing to do."
    phase = 84
    triggers = (TABULAR_TRIGGER,)

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        scheduled = facts.overview.scheduled_mini_batches
        if scheduled is None and facts.minibatches.present:
            scheduled = facts.minibatches.mini_batches
        configured = facts.settings.get("process_count_per_node", "")
        per_node = int(configured) if configured.isdigit() and int(configured) > 0 else 1
        nodes = len(set(facts.nodes) | set(facts.minibatches.by_node) | set(facts.perf))
        slots = max(1, nodes) * per_node
        if not scheduled or slots < 2 or scheduled >= slots:
            return
        if scheduled == 1 and facts.hits(TABULAR_TRIGGER):
            return
        idle_share = 1 - scheduled / slots
        severity = grade(idle_share, IDLE_BANDS)
        if severity is None:
            return
        idle = slots - scheduled
        shape = f"{max(1, nodes)} node{'s' if nodes != 1 else ''} × {per_node}"
        message = (
            f"Only {scheduled} mini-batch{'es' if scheduled != 1 else ''} for {slots} worker processes ({shape}): "
            f"{idle} of them had nothing to do."
        )
        items = facts.overview.scheduled_items
        if items and items >= slots:
            size = math.ceil(items / slots)
            message += f" With {items} items, a mini_batch_size of about {size} would feed them all."
        if scheduled == 1:
            message += " A single input file gives one mini-batch whatever mini_batch_size says: split it."
        evidence: list[Evidence] = []
        marked = facts.overview.scheduled_at
        if marked is not None:
            evidence.append(Evidence(marked.path, marked.line, marked.text))
        elif facts.minibatches.files:
            evidence.append(Evidence(facts.minibatches.files[0], None, f"{scheduled} mini-batches"))
        yield self.make(message, (), count=1, evidence=evidence, severity=severity)
