"""BT802 retries-exhausted: mini-batches failed on every attempt the job allows them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from ..logs.tables import MiniBatchRow
from .base import MAX_EVIDENCE, Rule, pick_evidence

DEFAULT_MAX_TRY = 3
# The lines of a failed attempt, which name its dequeue count.  (Not the dequeue count itself: every attempt's
# record has one, hundreds of thousands in a large job, and the failed ones would hide among them.)
FAILED_ATTEMPT_TRIGGERS = ("Failed to process {", "Stop for run() unable to finish")
_DEQUEUE = re.compile(r'"dequeue_count": (\d+)')
_TASK_ID = re.compile(r'"(?:task_id|id)": (\d+)')
# The per-attempt lines that mean "this attempt failed".
_GOOD_STATUSES = ("RUN_DONE", "LOAD_DONE", "TASK_PROCESSED", "SUCCEEDED", "DONE", "COMPLETED")


class RetriesExhausted(Rule):
    code = "BT802"
    name = "retries-exhausted"
    category = Category.CONFIGURATION
    severity = Severity.WARNING
    role = Role.SYMPTOM
    title = "Mini-batches failed on every allowed attempt"
    remedy = (
        "The statuses and errors of the last attempts say why (RUN_TIMEOUT: raise retry_settings.timeout or lower "
        "mini_batch_size; RUN_EXCEPTION: fix run()). More retries (retry_settings.max_retries, --run_max_try) only "
        "help with transient failures such as throttled storage."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "A mini-batch that fails is retried until it has been picked run_max_try times (retry_settings.max_retries); "
        "then it counts as failed for good."
    )
    why = "Each of these mini-batches is missing from the output and counts against the error threshold."
    example = (
        'Failed to process {"id": 0, "dequeue_count": 3, "minibatch": [0], ...} with error ...; '
        "processed_mini-batches.csv: Picked Count 3, Status RUN_TIMEOUT"
    )
    phase = 91
    triggers = FAILED_ATTEMPT_TRIGGERS

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        max_try = _max_try(facts)
        rows = _exhausted_rows(facts, max_try)
        hits = _exhausted_lines(facts, max_try)
        ids = set(rows) | {m.group(1) for h in hits if (m := _TASK_ID.search(h.text))}
        if not rows and not hits:
            return
        statuses = Counter(row.status or "FAILED" for row in rows.values())
        how = ", ".join(f"{count} {status}" for status, count in statuses.most_common(3))
        count = len(ids) or len(hits)
        message = (
            f"{count} mini-batch{'es' if count != 1 else ''} failed on all {max_try} attempts "
            f"(run_max_try {max_try}){': ' + how if how else ''}; they count as failed."
        )
        evidence = [
            Evidence(row.path, row.line, _row_excerpt(row))
            for row in sorted(rows.values(), key=lambda r: (r.path, r.line))[:MAX_EVIDENCE]
        ]
        evidence += pick_evidence(hits, MAX_EVIDENCE - len(evidence))
        finding = self.make(message, hits, count=count, evidence=evidence)
        finding.nodes = sorted({*finding.nodes, *(row.node for row in rows.values() if row.node)})
        # The lines stay unexplained: the failure behind each attempt is another rule's to name.
        finding.claimed = set()
        yield finding


def _max_try(facts: JobFacts) -> int:
    value = facts.settings.get("run_max_try") or ""
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_TRY


def _failed(row: MiniBatchRow) -> bool:
    if row.status:
        return not row.status.upper().endswith(_GOOD_STATUSES)
    return bool(row.error)


def _exhausted_rows(facts: JobFacts, max_try: int) -> dict[str, MiniBatchRow]:
    """The last attempt of every mini-batch that was picked max_try times and still failed (CSV timeline)."""
    last: dict[str, MiniBatchRow] = {}
    for row in facts.minibatches.timeline:
        previous = last.get(row.mini_batch)
        if previous is None or row.picked >= previous.picked:
            last[row.mini_batch] = row
    return {key: row for key, row in last.items() if row.picked >= max_try and _failed(row)}


def _exhausted_lines(facts: JobFacts, max_try: int) -> list[Hit]:
    found: list[Hit] = []
    for hit in facts.hits(*FAILED_ATTEMPT_TRIGGERS):
        match = _DEQUEUE.search(hit.text)
        if match and int(match.group(1)) >= max_try:
            found.append(hit)
    return found


def _row_excerpt(row: MiniBatchRow) -> str:
    elapsed = f", Elapsed Seconds {row.elapsed:g}" if row.elapsed is not None else ""
    error = f", {row.error[:120]}" if row.error else ""
    return f"Mini-batch {row.mini_batch}: Picked Count {row.picked}, Status {row.status or 'FAILED'}{elapsed}{error}"
