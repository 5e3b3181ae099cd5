"""BT504 first-task-creation-timeout: the master could not cut the input into a first mini-batch in time."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..core.models import Category, Evidence, Finding
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import MAX_EVIDENCE, SignatureRule

DEFAULT_FIRST_TASK_TIMEOUT_S = 600


class FirstTaskCreationTimeout(SignatureRule):
    code = "BT504"
    name = "first-task-creation-timeout"
    category = Category.TIMEOUT
    title = "No mini-batch could be created within the first-task timeout"
    remedy = (
        "Reduce the size of single inputs (split one huge file, keep at most about 1 million files per folder), keep "
        "the data in the workspace's region, or raise the advanced argument --first_task_creation_timeout "
        "(default 600 s) in the job's program arguments."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = (
        "Before any work starts the master lists the input and creates the first mini-batch; it gave up after "
        "--first_task_creation_timeout seconds."
    )
    why = "Without a first mini-batch no worker gets anything to do; the job fails before run() is ever called."
    example = (
        "Unable to create any task within 600 seconds. Reduce the single input size or set the advanced argument "
        "'--first_task_creation_timeout' to a larger value."
    )
    phase = 24
    fatal = True
    triggers = ("Unable to create any task within",)
    pattern = re.compile(r"Unable to create any task within (\d+) seconds")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "first-task-timeout"

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        start = facts.master.start_scheduling
        for finding in super().check(facts):
            if start is not None and len(finding.evidence) < MAX_EVIDENCE:
                finding.evidence.append(Evidence(start.path, start.line, start.text))
            yield finding

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        limit = int(match.group(1)) if match else DEFAULT_FIRST_TASK_TIMEOUT_S
        start = facts.master.start_scheduling
        since = f" after scheduling started at {start.timestamp[:19]}" if start and start.timestamp else ""
        return (
            f"The master could not create a first mini-batch within {limit} s{since}: listing or reading the input "
            "took too long (very large files, millions of files in one folder, or data in another region)."
        )
