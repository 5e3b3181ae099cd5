"""BT906 master-role-failed: the master's final error message."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class MasterRoleFailed(SignatureRule):
    code = "BT906"
    name = "master-role-failed"
    category = Category.PLATFORM
    role = Role.SYMPTOM
    title = "The master role reported the job's failure"
    remedy = "The message after 'failed with error' names the failure; the findings above give its cause."
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The master (logs/sys/master_role*.txt) summarises why it ended the job."
    why = "It repeats a failure found elsewhere; useful as context, rarely the cause itself."
    example = "The master role failed with error: There is no succeeded mini batch item returned from run()."
    phase = 99
    fatal = True
    triggers = ("The master role failed with error",)
    pattern = re.compile(r"The master role failed with error:?\s*(.{0,200})")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "master-failed"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        detail = match.group(1).strip() if match else ""
        return f"The master role failed with error: {detail}" if detail else "The master role failed."
