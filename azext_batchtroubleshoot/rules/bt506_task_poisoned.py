"""BT506 task-poisoned: every mini-batch was picked up again and again without ever finishing."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule

NOT_PICKED = "No task has been picked."


class TaskPoisoned(SignatureRule):
    code = "BT506"
    name = "task-poisoned"
    category = Category.TIMEOUT
    title = "Mini-batches were abandoned after repeated attempts and none was processed"
    remedy = (
        "Read the worker logs (logs/sys/node/<node>/processNNN.txt, logs/sys/node/<node>/_main.txt and "
        "logs/user/stdout/<node>/) for what happened to the picked mini-batches: processes that die, hang or run "
        "past the timeout. If run() is just slow, raise retry_settings.timeout (--run_invocation_timeout) or lower "
        "mini_batch_size."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "A mini-batch that a worker picks but never reports back becomes visible again after the timeout; after "
        "run_max_try picks it is poisoned and abandoned. Here no mini-batch finished at all."
    )
    why = "With every mini-batch abandoned the job has no result and fails."
    example = "There are 12 pending tasks which can be found in logs/report/pending_tasks.csv. No task was processed."
    phase = 47
    fatal = True
    triggers = ("pending tasks which can be found in", NOT_PICKED)
    pattern = re.compile(r"There are (\d+) pending tasks which can be found in \S+?\.?\s+No task was processed")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "poisoned"

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        if facts.hits(NOT_PICKED):
            return  # nothing was even picked: no mini-batch was poisoned; BT904 (no-task-processed) explains it
        yield from super().matches(facts)

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        pending = match.group(1) if match else "All"
        tries = facts.settings.get("run_max_try", "")
        tries = tries if tries.isdigit() else "3"
        limit = facts.settings.get("run_invocation_timeout", "")
        timeout = f" or ran past the {limit} s timeout" if limit.isdigit() else " or ran past the timeout"
        return (
            f"{pending} mini-batches were abandoned after repeated attempts (run_max_try {tries}) and none was "
            f"processed: the workers "
            f"picked them but crashed, hung{timeout}."
        )
