"""BT905 entry-script-failure-count: the driver's count of init() or run() exceptions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class EntryScriptFailureCount(SignatureRule):
    code = "BT905"
    name = "entry-script-failure-count"
    category = Category.ENTRY_SCRIPT
    role = Role.SYMPTOM
    title = "The driver counted repeated init() or run() failures"
    remedy = "Read the worker logs for the exception itself (logs/user/error/<node>/processNNN.txt)."
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "The driver's summary: the entry script's init() or run() raised (or timed out) a number of times."
    why = "It counts the failures but does not say what they were."
    example = (
        "The init() in the entry scipt had raised exception for 12 times. Please check workers log to find the cause."
    )
    phase = 97
    fatal = True
    triggers = ("in the entry scipt had", "in the entry script had")
    pattern = re.compile(
        r"The (init|run)\(\) (?:function )?in the entry scr?ipt had (raised exception|timeout) for (\d+) times"
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return f"{match.group(1)}-{match.group(2)}" if match else "summary"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        if match is None:
            return "The driver reported repeated entry-script failures."
        what = "raised an exception" if match.group(2).startswith("raised") else "timed out"
        return f"The driver reported that {match.group(1)}() {what} {match.group(3)} times."
