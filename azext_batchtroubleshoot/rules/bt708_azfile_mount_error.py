"""BT708 azfile-mount-error: the compute could not mount the workspace's Azure File share."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class AzFileMountError(SignatureRule):
    code = "BT708"
    name = "azfile-mount-error"
    category = Category.DATA_ACCESS
    title = "The Azure File share could not be mounted on the compute"
    remedy = (
        "Check that the workspace's storage account and its file share still exist, that its key was not rotated "
        "without 'az ml workspace sync-keys', and that the storage firewall or virtual network lets the compute "
        "reach it (port 445); then resubmit."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-secure-connection-workspace"
    what = "AzureML Compute mounts the workspace's Azure File share before the job starts; the mount failed."
    why = "The job fails before it runs, often with no other logs saved."
    example = (
        "AzureMLCompute job failed. AZFMountError: unable to mount Azure File Info: Could not mount Azure File Share"
    )
    phase = 6
    fatal = True
    triggers = ("AZFMountError", "Could not mount Azure File Share")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "azfile"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        return f"The compute could not mount the workspace's Azure File share (AZFMountError){where(hits)}."
