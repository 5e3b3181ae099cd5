"""BT806 preemption: low-priority nodes of the job were taken back by Azure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..core.models import Category, Finding
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, times, where


class Preemption(SignatureRule):
    code = "BT806"
    name = "preemption"
    category = Category.COMPUTE
    title = "Nodes of the job were pre-empted (low-priority VMs)"
    remedy = (
        "Resubmit the job (a quieter time of day often helps), or run it on a cluster with dedicated nodes "
        "(tier: dedicated) when it must finish; keep low-priority clusters for work that can be retried."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-manage-optimize-cost#low-pri-vm"
    what = "The job ran on low-priority (spot) nodes and Azure reclaimed them while it ran."
    why = "The work on those nodes is lost; when too many nodes go, the job fails with PreemptionError."
    example = (
        "UserError: AzureMLCompute job failed. PreemptionError: Nodes of this job got pre-empted. [...] "
        "Received pre-emption warning signal."
    )
    phase = 30
    fatal = False
    triggers = ("PreemptionError", "got pre-empted", "pre-emption warning signal")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "preempted"

    def check(self, facts: JobFacts) -> Iterable[Finding]:
        failed = any("PreemptionError" in hit.text for hit, _ in self.matches(facts))
        for finding in super().check(facts):
            finding.fatal = failed
            yield finding

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        if any("PreemptionError" in hit.text for hit in hits):
            return f"The job failed because its low-priority nodes were pre-empted (PreemptionError){where(hits)}."
        return f"Low-priority nodes received pre-emption signals{where(hits)} ({times(len(hits))})."
