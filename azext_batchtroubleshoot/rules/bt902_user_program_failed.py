"""BT902 user-program-failed: the generic failure message of parallel jobs."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class UserProgramFailed(SignatureRule):
    code = "BT902"
    name = "user-program-failed"
    category = Category.ENTRY_SCRIPT
    role = Role.SYMPTOM
    title = "'User program failed': the generic failure message"
    remedy = "Open logs/user/error/<node>/processNNN.txt for the stack trace of the scoring script's failure."
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#user-program-failed-with-exception"
    )
    what = "The parallel job reports that the scoring script failed, without saying how."
    why = "It points at the worker logs; the exception there is the cause."
    example = (
        "User program failed with Exception: Run failed, please check logs for details. "
        "You can check logs/readme.txt for the layout of logs."
    )
    phase = 98
    fatal = True
    triggers = ("User program failed with",)

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "user-program-failed"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return "The job reported 'User program failed': the scoring script failed (see the worker logs)."
