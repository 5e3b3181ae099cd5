"""BT924 worker-exit-41-noise: exit code 41 is a worker process ending on its own, as designed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role, Severity
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, times, where


class WorkerExit41Noise(SignatureRule):
    code = "BT924"
    name = "worker-exit-41-noise"
    category = Category.PLATFORM
    severity = Severity.INFO
    role = Role.NOISE
    title = "Known noise: worker processes exiting with code 41"
    remedy = "Nothing to do: exit code 41 means a worker terminated on its own, which is expected."
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "A PRS worker process that finishes its part of the work exits with code 41; the agent logs the exit."
    why = "The line looks like a crash next to real failures (-9 is the out-of-memory kill; 42 the job's failure)."
    example = "2024-05-12 10:25:01,118|INFO|356|process001 exits with returncode 41."
    phase = 100
    triggers = ("exits with returncode 41",)
    pattern = re.compile(r"(\S+) exits with returncode 41(?!\d)")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "exit-41"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return (
            f"Worker processes exited with code 41 (ended on their own, as designed){where(hits)} ({times(len(hits))})."
        )
