"""BT705 datastore-no-credential: the datastore holds no key or SAS token and identity passthrough is off."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class DatastoreNoCredential(SignatureRule):
    code = "BT705"
    name = "datastore-no-credential"
    category = Category.AUTH
    title = "The datastore has no credentials the job can use"
    remedy = (
        "Check the authentication type of the datastore the input or output uses (az ml datastore show): give it an "
        "account key or SAS token, or make it identity-based and grant the compute's managed identity "
        "'Storage Blob Data Reader' (inputs) or 'Storage Blob Data Contributor' (outputs) on the storage account."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-datastore"
    what = (
        "The job tried to reach storage through a datastore that stores neither an account key nor a SAS token, "
        "and credential passthrough is not enabled for the job."
    )
    why = "The job cannot authenticate to its data and fails (exit code 42)."
    example = (
        "ParallelTaskException error. Exit code: 42. Message: Cannot find account key or SAS token in the specified "
        "datastore, and credential passthrough is not enabled."
    )
    phase = 25
    fatal = True
    triggers = ("Cannot find account key or SAS token in the specified datastore",)

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "no-credential"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return (
            "The datastore has neither an account key nor a SAS token, and credential passthrough is off"
            f"{where(hits)}: the job could not authenticate to its storage."
        )
