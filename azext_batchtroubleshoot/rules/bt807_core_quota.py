"""BT807 core-quota: the subscription's vCPU quota is smaller than what the job asked for."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class CoreQuota(SignatureRule):
    code = "BT807"
    name = "core-quota"
    category = Category.COMPUTE
    title = "The job needs more vCPUs than the subscription's quota allows"
    remedy = (
        "Lower instance_count (node_count) or pick a VM family with free quota, or request a quota increase for the "
        "family in the Azure portal (Azure Machine Learning > Quotas)."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-manage-quotas"
    what = "Submitting the job to AzureML Compute failed: the nodes it requests exceed the VM family's vCPU quota."
    why = "The job never starts; no logs are written."
    example = (
        "Job submission to AzureML Compute encountered an Exception with status code JobNodeCountExceedsCoreQuota, "
        "The specified subscription has a Standard DSv2 family vCPU quota of 2 and is less than the requested job "
        "node count of 2 which maps to 4 vCPUs."
    )
    phase = 2
    fatal = True
    triggers = ("JobNodeCountExceedsCoreQuota",)
    pattern = re.compile(
        r"JobNodeCountExceedsCoreQuota(?:.*?a ([\w ]+?) family vCPU quota of (\d+) and is less than the requested job "
        r"node count of (\d+) which maps to (\d+) vCPUs)?"
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "core-quota"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        if match and match.group(1):
            family, quota, nodes, vcpus = match.groups()
            return (
                f"The job asked for {nodes} nodes ({vcpus} vCPUs) but the subscription's {family} family quota is "
                f"{quota} vCPUs: it was never started."
            )
        return "The job asked for more nodes than the subscription's vCPU quota allows: it was never started."
