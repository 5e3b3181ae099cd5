"""BT501 run-timeout: run() did not finish a mini-batch within the configured timeout."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, times, where

_TASK_ID = re.compile(r'"task_id": (\d+)')


class RunTimeout(SignatureRule):
    code = "BT501"
    name = "run-timeout"
    category = Category.TIMEOUT
    title = "run() did not finish a mini-batch within the timeout"
    remedy = (
        "Raise retry_settings.timeout (default 30 s for batch deployments; --run_invocation_timeout in PRS) above "
        "the slowest mini-batch, or lower mini_batch_size; check logs/perf for CPU or GPU starvation and reduce "
        "max_concurrency_per_instance if processes compete for the node."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#the-run-function-in-the-entry-script-had-timeout-for-number-times"
    )
    what = "The driver stopped waiting for run() on a mini-batch after the timeout, and retried or failed it."
    why = "Timed-out mini-batches are retried max_retries times and then fail; many of them fail the job."
    example = (
        'Stop for run() unable to finish within 30 seconds for {"agent": "process000", "task_id": 16, '
        '"dequeue_count": 1, "total": 10, "succeeded": 0, "method": "run"}'
    )
    phase = 45
    triggers = (
        "Stop for run() unable to finish within",
        "The run() function in the entry script had timeout",
        "The run() in the entry scipt had timeout",
        "The run() in the entry script had timeout",
    )
    pattern = re.compile(r"(?:unable to finish within (\d+) seconds|had timeout for (\d+) times)")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "run-timeout"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        limits = {m.group(1) for h in hits if (m := self.pattern.search(h.text)) and m.group(1)}
        timeout = f" of {sorted(limits, key=int)[-1]} s" if limits else ""
        mini = {m.group(1) for h in hits if (m := _TASK_ID.search(h.text))}
        batches = f" on {len(mini)} mini-batch{'es' if len(mini) != 1 else ''}" if mini else ""
        stops = sum(1 for h in hits if "unable to finish" in h.text)
        return f"run() exceeded the timeout{timeout}{batches}{where(hits)} ({times(stops or len(hits))})."
