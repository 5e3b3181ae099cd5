"""BT307 task-creation-failed: the master could not cut the input into mini-batches."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..core.models import Category, Finding, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where

# Exceptions that say the input could not be reached at all: the data-access and auth rules explain those.
DATA_ACCESS_TEXTS = (
    "StreamAccess",
    "AuthenticationException",
    "AuthorizationPermissionMismatch",
    "NotFoundException",
    "Found no resources for the input provided",
    "Cannot mount Dataset",
    "Content-Length",
    "account key or SAS token",
    "msi failed to authenticate",
)


class TaskCreationFailed(SignatureRule):
    code = "BT307"
    name = "task-creation-failed"
    category = Category.INPUT_DATA
    title = "The input could not be split into mini-batches"
    remedy = (
        "Read the exceptions in the message: they come from reading the input while mini-batches are created (a "
        "corrupt or unreadable file, a tabular file with a wrong delimiter or encoding, a path that is not what the "
        "input type expects). Fix or remove those input files; logs/job_progress_overview*.txt (overview.txt in "
        "older jobs) and logs/sys/master_role.txt show when it happened."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The master raised TaskCreationException: creating some mini-batches (tasks) from the input failed."
    why = "Mini-batches that cannot be created are never scored; the master fails the job."
    example = (
        "Failed to create tasks [3] with [ParserError('Error tokenizing data. C error: Expected 14 fields in "
        "line 1021, saw 15\\n')]. Please check logs/overview.txt and logs/master.txt for error."
    )
    phase = 28
    fatal = True
    triggers = ("Failed to create tasks",)
    pattern = re.compile(r"Failed to create tasks (.{1,200}?) with (.+?)\.?(?:\s+Please check|\s*$)")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "task-creation"

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        for finding in super().check(facts):
            if any(text in finding.message for text in DATA_ACCESS_TEXTS):
                finding.role = Role.SYMPTOM
                finding.message = (
                    finding.message.rstrip(".") + " (the input could not be reached: see the access error)."
                )
            yield finding

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        if match is None:
            return "The master could not create mini-batches from the input."
        tasks, errors = match.group(1), match.group(2)
        return f"The master could not create mini-batches {tasks} from the input: {errors[:240]}{where(hits)}."
