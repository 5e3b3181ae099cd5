"""BT921 set-task-visible-noise: a known, harmless PRS bookkeeping error."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role, Severity
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.scan import Hit
from .base import SignatureRule, times


class SetTaskVisibleNoise(SignatureRule):
    code = "BT921"
    name = "set-task-visible-noise"
    category = Category.PLATFORM
    severity = Severity.INFO
    role = Role.NOISE
    title = "Known noise: 'Failed to set task visible' and KeyError in _main"
    remedy = "Nothing to do: the PRS team confirmed this is noise that does not affect the result."
    docs_url = "https://github.com/Azure/MachineLearningNotebooks/issues/1429"
    what = "The agent manager could not find a task it had already handed back; it logs a KeyError and goes on."
    why = "It floods logs/sys/error and _main.txt and is easily mistaken for the failure; it is not."
    example = "2021-04-13 03:25:50,285|ERROR|254|140325028292352|Failed to set task visible because of (195, 1)."
    phase = 100
    triggers = ("Failed to set task visible", "KeyError: (")
    pattern = re.compile(r"Failed to set task visible|^\s*KeyError: \(\d+, \d+\)\s*$")
    kinds = frozenset({FileKind.WORKER_MAIN, FileKind.SYS_ERROR, FileKind.MASTER, FileKind.WORKER_LOG})

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "set-task-visible"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return f"'Failed to set task visible' / KeyError (task id, attempt) appeared {times(len(hits))}: known noise."
