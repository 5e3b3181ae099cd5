"""BT922 worker-stderr-noise: stderr lines the agent re-logs at ERROR level that mean nothing on their own."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role, Severity
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, times


class WorkerStderrNoise(SignatureRule):
    code = "BT922"
    name = "worker-stderr-noise"
    category = Category.PLATFORM
    severity = Severity.INFO
    role = Role.NOISE
    title = "Known noise: worker stderr re-logged as ERROR"
    remedy = (
        "Nothing to do for these lines. If a process dies silently, set PYTHONFAULTHANDLER=true in the deployment's "
        "environment variables to get a native stack trace."
    )
    docs_url = "https://github.com/Azure/MachineLearningNotebooks/issues/1429"
    what = "The agent copies worker stderr into its own log at ERROR level, prefixed with 'stderr:'."
    why = "Lines such as 'terminate called without an active exception' accompany the real failure; they are not it."
    example = "2021-04-15 22:05:26,715|ERROR|255|139773019682560|stderr: terminate called without an active exception"
    phase = 100
    triggers = ("terminate called without an active exception", "Already registered authentication")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "stderr-noise"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return f"Worker stderr noise ('terminate called ...', 'Already registered authentication') {times(len(hits))}."
