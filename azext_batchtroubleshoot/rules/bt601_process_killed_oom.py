"""BT601 process-killed-oom: a worker process was killed for using too much memory (exit -9)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, times, where


class ProcessKilledOom(SignatureRule):
    code = "BT601"
    name = "process-killed-oom"
    category = Category.MEMORY
    title = "Worker processes were killed for running out of memory (exit code -9)"
    remedy = (
        "Lower max_concurrency_per_instance (process_count_per_node) or mini_batch_size so fewer or smaller "
        "mini-batches share the node's memory, or use a VM size with more memory; logs/perf shows how close "
        "each node came to its limit."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The operating system killed a worker with SIGKILL (-9), almost always the out-of-memory killer."
    why = "The mini-batch in flight is lost and retried; repeated kills exhaust the retries and fail the job."
    example = "process002 exits with returncode -9."
    phase = 35
    triggers = ("exits with returncode -9", "returncode=-9", "Out of memory: Killed process", "oom-kill", "OOMKilled")
    pattern = re.compile(
        r"(\S+) exits with returncode -9|returncode=-9|Out of memory: Killed process|oom-kill|OOMKilled"
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "oom"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        peaks = [p.memory_peak_percent for p in facts.perf.values() if p.memory_peak_percent is not None]
        peak = f"; memory peaked at {max(peaks):.0f}% of the node" if peaks else ""
        return (
            f"Worker processes were killed with exit code -9 (out of memory){where(hits)} ({times(len(hits))}){peak}."
        )
