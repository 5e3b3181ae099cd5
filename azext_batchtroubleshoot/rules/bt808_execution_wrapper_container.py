"""BT808 execution-wrapper-container: the platform's container that runs the job could not start."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class ExecutionWrapperContainer(SignatureRule):
    code = "BT808"
    name = "execution-wrapper-container"
    category = Category.PLATFORM
    title = "The job's container could not start (execution wrapper)"
    remedy = (
        "Resubmit the job; if it fails the same way again, open a support request with the job name, since no user "
        "code ran. If the environment uses a custom Docker image, check that it is built for linux/amd64: "
        "'exec format error' is what an image built for another CPU architecture gives."
    )
    docs_url = "https://github.com/Azure/azure-sdk-for-python/issues/34501"
    what = (
        "AzureML starts each job inside an execution-wrapper container; creating or starting it failed before the "
        "job's own command ran."
    )
    why = "The job fails at once, usually with no logs saved."
    example = (
        "Failed to execute command group with error Container 4b2f-execution-wrapper-init failed with status code 1 "
        "[...] exec /bin/sh: exec format error"
    )
    phase = 3
    fatal = True
    triggers = ("execution-wrapper-init failed", "exec format error", "OCI runtime create failed")
    pattern = re.compile(
        r"execution-wrapper-init failed(?: with status code (-?\d+))?|exec format error|OCI runtime create failed"
    )

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "execution-wrapper"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        texts = " ".join(hit.text for hit in hits)
        if "exec format error" in texts:
            detail = "exec format error: the image's binaries do not match the node's CPU architecture"
        elif "OCI runtime create failed" in texts:
            detail = "OCI runtime create failed"
        else:
            detail = "execution-wrapper-init failed"
        return f"The platform could not start the job's container ({detail}){where(hits)}; no user code ran."
