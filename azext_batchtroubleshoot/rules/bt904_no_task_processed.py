"""BT904 no-task-processed: the master gave up because workers processed (or picked) no mini-batch."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class NoTaskProcessed(SignatureRule):
    code = "BT904"
    name = "no-task-processed"
    category = Category.ENTRY_SCRIPT
    role = Role.SYMPTOM
    title = "No mini-batch was picked or processed"
    remedy = (
        "Workers never got to run(): look for init() failures, import errors and timeouts in logs/user/error/ "
        "and logs/sys/node/; pending mini-batches are listed in the job_report (or report/pending_tasks.csv)."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The job ended with mini-batches pending: no worker picked or finished any of them."
    why = "Something stopped every worker before its first mini-batch; that is the cause to fix."
    example = "No task has been processed."
    phase = 96
    fatal = True
    triggers = ("No task has been processed.", "No task has been picked.", "No task was processed.")
    pattern = re.compile(r"No task (?:has been|was) (processed|picked)\.(?! yet)")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "no-task"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        verb = match.group(1) if match else "processed"
        return f"The job ended with no mini-batch {verb}: the workers never got to run()."
