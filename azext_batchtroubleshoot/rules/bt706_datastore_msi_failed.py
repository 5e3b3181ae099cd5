"""BT706 datastore-msi-failed: a credential-less datastore and a workspace identity without access to the storage."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class DatastoreMsiFailed(SignatureRule):
    code = "BT706"
    name = "datastore-msi-failed"
    category = Category.AUTH
    title = "The workspace's managed identity could not authenticate to the datastore's storage"
    remedy = (
        "Grant the workspace's managed identity a role on the storage account behind the datastore (the message asks "
        "for 'Storage Account Contributor'; 'Storage Blob Data Reader'/'Contributor' covers data access), or give the "
        "datastore a key or SAS token; role assignments can take a few minutes to apply."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-identity-based-service-authentication"
    what = "The datastore has no credentials, so the service used the workspace's managed identity, which was refused."
    why = "The job cannot read or write its data and fails."
    example = (
        "Datastore has no credentials, and workspace msi failed to authenticate storage account. Please grant "
        "Storage Account Contributor role to workspace msi."
    )
    phase = 25
    fatal = True
    triggers = ("workspace msi failed to authenticate storage account",)

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "msi-failed"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return (
            f"The datastore has no credentials and the workspace's managed identity was refused by the storage "
            f"account{where(hits)}."
        )
