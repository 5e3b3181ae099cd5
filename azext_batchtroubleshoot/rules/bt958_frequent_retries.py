"""BT958 frequent-retries: many mini-batches needed more than one attempt."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from ..logs.facts import JobFacts
from ..logs.tables import MiniBatchRow
from .base import Rule

# Share of mini-batches picked more than once (Picked Count > 1 in processed_mini-batches.csv).
RETRIED_INFO = 0.05
RETRIED_WARNING = 0.15
RETRIED_ERROR = 0.30
RETRIED_BANDS = Bands(info=RETRIED_INFO, warning=RETRIED_WARNING, error=RETRIED_ERROR)
MIN_MINI_BATCHES = 10
_GOOD_STATUSES = ("RUN_DONE", "LOAD_DONE", "TASK_PROCESSED", "SUCCEEDED", "DONE", "COMPLETED")


class FrequentRetries(Rule):
    code = "BT958"
    name = "frequent-retries"
    category = Category.PERFORMANCE
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Many mini-batches needed more than one attempt"
    remedy = (
        "Remove the reason for the failed attempts (their Status and Error Message in processed_mini-batches.csv): "
        "RUN_TIMEOUT - raise retry_settings.timeout or lower mini_batch_size; RUN_EXCEPTION - fix or catch the error "
        "in run(); killed processes - lower the memory use per node."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "A mini-batch whose attempt fails or times out is run again from the start, up to max_retries times."
    why = "Every repeated attempt redoes the whole mini-batch, and a timed-out one first waits out the timeout."
    example = "18 of 120 mini-batches (15%) needed more than one attempt: 14 RUN_TIMEOUT, 4 RUN_EXCEPTION."
    phase = 83

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        report = facts.minibatches
        if report.mini_batches < MIN_MINI_BATCHES or report.retried == 0:
            return
        share = report.retried / report.mini_batches
        severity = grade(share, RETRIED_BANDS)
        if severity is None:
            return
        failed_attempts = [row for row in report.timeline if _failed(row)]
        reasons = Counter(row.status or "FAILED" for row in failed_attempts)
        why = ": " + ", ".join(f"{n} {status}" for status, n in reasons.most_common(3)) if reasons else ""
        wasted = sum(row.elapsed or 0.0 for row in failed_attempts)
        cost = (
            f"; the failed attempts used {wasted / 60:.0f} min of processing"
            if wasted >= 60
            else (f"; the failed attempts used {wasted:.0f} s of processing" if wasted else "")
        )
        timeout = facts.settings.get("run_invocation_timeout", "")
        timed_out = reasons.get("RUN_TIMEOUT", 0)
        wait = f" ({timed_out} of them waited out the {timeout} s timeout)" if timeout.isdigit() and timed_out else ""
        message = (
            f"{report.retried} of {report.mini_batches} mini-batches ({share:.0%}) needed more than one attempt"
            f"{why}{cost}{wait}."
        )
        evidence = [
            Evidence(row.path, row.line, f"Mini-batch {row.mini_batch}: Picked Count {row.picked}, Status {row.status}")
            for row in failed_attempts[:4]
        ]
        yield self.make(message, (), count=report.retried, evidence=evidence, severity=severity)


def _failed(row: MiniBatchRow) -> bool:
    if row.status:
        return not row.status.upper().endswith(_GOOD_STATUSES)
    return bool(row.error)
