"""BT405 run-returned-fewer-results: run() returned fewer elements than its mini-batch had items.

The driver counts each element run() returns as one succeeded item and the rest of the mini-batch as failed,
without an exception anywhere.  The mini-batch report shows it: items failed while every mini-batch ended well.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Severity
from ..logs.facts import JobFacts
from .base import Rule

THRESHOLD_TRIGGERS = ("which exceeds error threshold", "Exceeded error threshold")


class RunReturnedFewerResults(Rule):
    code = "BT405"
    name = "run-returned-fewer-results"
    category = Category.OUTPUT
    severity = Severity.WARNING
    title = "run() returned fewer results than its mini-batch had items"
    remedy = (
        "Return one element per input item from run(mini_batch): one row per file for file inputs, one row per "
        "input row for tabular inputs. Items without a returned element are counted as failed (and count against "
        "error_threshold) and are missing from the output; return a placeholder row for an item you skip on purpose."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "The driver counts the elements run() returns as succeeded items; mini-batches that finished without an "
        "error still had failed items, so run() returned fewer elements than it was given."
    )
    why = "Those items are silently missing from the output and can push the job over its error threshold."
    example = "processed_mini-batches.csv: Total 10, Succeeded 1, Failed 9, Status RUN_DONE"
    phase = 60
    triggers = THRESHOLD_TRIGGERS

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        report = facts.minibatches
        if not (report.present and report.items_known and report.items_failed > 0):
            return
        # Failed mini-batches fail all their items; only when none failed are the failed items run()'s doing.
        if report.failed > 0 or report.errors:
            return
        threshold_hits = facts.hits(*THRESHOLD_TRIGGERS)
        severity = Severity.ERROR if threshold_hits else Severity.WARNING
        message = (
            f"run() returned fewer results than inputs: {report.items_failed} of {report.items_total} items were "
            f"counted as failed in mini-batches that finished without an error ({report.mini_batches} mini-batches)."
        )
        if threshold_hits:
            message += " That exceeded the error threshold."
        source = report.files[0] if report.files else "logs/sys/job_report/processed_mini-batches.csv"
        evidence = [
            Evidence(
                source,
                None,
                f"{report.items_succeeded} succeeded, {report.items_failed} failed of {report.items_total} items; "
                f"{report.failed} of {report.mini_batches} mini-batches failed",
            )
        ]
        finding = self.make(
            message, threshold_hits[:4], evidence=evidence, count=report.items_failed, severity=severity
        )
        finding.nodes = sorted(report.by_node) or finding.nodes
        finding.processes = sorted(report.by_process) or finding.processes
        if report.started_at is not None:
            finding.first_seen = report.started_at.isoformat()
        if report.ended_at is not None:
            finding.last_seen = report.ended_at.isoformat()
        yield finding
