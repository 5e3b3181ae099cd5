"""BT208 minibatch-report-errors: failures that only the mini-batch report records."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.grouping import mask
from ..core.models import Category, Evidence, Finding, Role
from ..logs.facts import JobFacts
from .base import Rule, category_of_exception, unclaimed_tracebacks

_EXCEPTION = re.compile(r"\b([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b")
MAX_GROUPS = 5


class MiniBatchReportErrors(Rule):
    code = "BT208"
    name = "minibatch-report-errors"
    category = Category.ENTRY_SCRIPT
    role = Role.UNKNOWN_ERROR
    title = "Mini-batches failed with an error that only the mini-batch report records"
    remedy = (
        "The report names the error but the logs that were read hold no stack trace for it: open "
        "logs/user/error/<node>/processNNN.txt and logs/user/stdout/ of the batchscoring step (download the whole "
        "logs/ folder) to see where run() raised, then fix the scoring script or the input it chokes on."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "processed_mini-batches.csv lists each attempt with its status and error message; here failed attempts "
        "carry an error that no other log explains."
    )
    why = "Those mini-batches are lost (or retried until they are); the message is the best lead to the cause."
    example = "7,3,process001,2024-05-12T10:07:03,10,0,10,12.0,11.0,11.9,RUN_EXCEPTION,User,\"KeyError: 'customer_id'\""
    phase = 42
    late = True  # speaks only when no trace or other rule already explains the failures

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        report = facts.minibatches
        if not report.errors or facts.causes_found or unclaimed_tracebacks(facts, any_phase=True):
            return
        groups: dict[str, list[tuple[str, str]]] = {}
        for key in report.errors:
            status, message = key
            groups.setdefault(f"{status}|{mask(message)}", []).append(key)
        ranked = sorted(groups.values(), key=lambda keys: -sum(report.errors[k] for k in keys))
        for keys in ranked[:MAX_GROUPS]:
            yield self._finding(facts, keys)

    def _finding(self, facts: JobFacts, keys: list[tuple[str, str]]) -> Finding:
        report = facts.minibatches
        status, message = keys[0]
        attempts = sum(report.errors[k] for k in keys)
        rows = [report.error_examples[k] for k in keys if k in report.error_examples]
        error = message or "no message"
        text = (
            f"Mini-batch attempts failed with {status} ({error}) {attempts} "
            f"time{'s' if attempts != 1 else ''}, as the mini-batch report records; the logs read hold no stack "
            "trace for it."
        )
        evidence = [
            Evidence(row.path, row.line, f"Mini-batch {row.mini_batch}: {row.status} {row.error}") for row in rows
        ]
        finding = self.make(text, (), count=attempts, evidence=evidence[:4], group_key=f"{status}|{mask(message)}")
        finding.category = _category(status, message)
        finding.processes = sorted({row.process for row in rows if row.process})
        finding.nodes = sorted({row.node for row in rows if row.node})
        return finding


def _category(status: str, message: str) -> Category:
    if "TIMEOUT" in status.upper():
        return Category.TIMEOUT
    found = _EXCEPTION.search(message)
    return category_of_exception(found.group(1)) if found else Category.ENTRY_SCRIPT
