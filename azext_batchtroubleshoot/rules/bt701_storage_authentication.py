"""BT701 storage-authentication-failed: the compute's identity may not read the input storage."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class StorageAuthenticationFailed(SignatureRule):
    code = "BT701"
    name = "storage-authentication-failed"
    category = Category.AUTH
    title = "The job could not authenticate to the input storage"
    remedy = (
        "Grant the compute cluster's managed identity (or the identity the job runs as) at least 'Storage Blob Data "
        "Reader' on the storage account that holds the input, and 'Storage Blob Data Contributor' where outputs "
        "are written; then invoke the endpoint again."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#scriptexecutionexception-was-caused-by-streamaccessexception"
    )
    what = "Reading the input data failed with an authentication or authorization error from storage."
    why = "No input can be read, so no mini-batch can run."
    example = (
        "ScriptExecutionException was caused by StreamAccessException. "
        "StreamAccessException was caused by AuthenticationException."
    )
    phase = 25
    fatal = True
    triggers = (
        "StreamAccessException was caused by AuthenticationException",
        "AuthorizationPermissionMismatch",
        "This request is not authorized to perform this operation",
        "AuthenticationFailed",
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "storage-auth"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return f"Reading the input data failed: storage refused the job's identity{where(hits)}."
