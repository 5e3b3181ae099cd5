"""BT707 registry-access-denied: the identity that submitted the job may not use an asset from a registry."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class RegistryAccessDenied(SignatureRule):
    code = "BT707"
    name = "registry-access-denied"
    category = Category.AUTH
    title = "The job may not use an asset from an Azure ML registry"
    remedy = (
        "Give the identity that invokes the endpoint (for example the Data Factory's managed identity or service "
        "principal) read access to the registry - the 'AzureML Registry User' role - or copy the environment or "
        "model into the workspace."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-manage-registries"
    what = (
        "A component, environment or model of the job comes from a registry that the submitting user, tenant or "
        "subscription is not allowed to read."
    )
    why = "The job cannot be submitted or prepared; it works when another identity (yours, in the studio) runs it."
    example = (
        "Microsoft.RelInfra.Common.Exceptions.ErrorResponseException: User/tenant/subscription is not allowed to "
        "access registry some-shared-ml-registry."
    )
    phase = 4
    fatal = True
    triggers = ("is not allowed to access registry",)
    pattern = re.compile(r"is not allowed to access registry ([\w.\-]+?)\.?(?:\s|$|['\"])")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return match.group(1) if match else "registry"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        registry = f" '{match.group(1)}'" if match else ""
        return (
            f"The submitting identity is not allowed to access the registry{registry}: the job's assets from it "
            "could not be used."
        )
