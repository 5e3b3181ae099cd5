"""BT703 dataset-init-cannot-mount: the job could not mount its input dataset before it started."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class DatasetCannotMount(SignatureRule):
    code = "BT703"
    name = "dataset-init-cannot-mount"
    category = Category.DATA_ACCESS
    title = "The input dataset could not be mounted"
    remedy = (
        "Check that the input path exists and is not empty, and give the compute cluster's managed identity at least "
        "'Storage Blob Data Reader' on the storage account behind the datastore (or use a datastore with "
        "credentials); then invoke the endpoint again."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#dataset-initialization-failed"
    )
    what = "Dataset initialization failed: the source of the input is not accessible to the job, or holds no data."
    why = "The job cannot read anything, so it fails before the scoring script starts."
    example = (
        "Dataset initialization failed: UserErrorException: Message: Cannot mount Dataset(id='4f9e1c2a-...', "
        "name='None', version=None). Source of the dataset is either not accessible or does not contain any data."
    )
    phase = 25
    fatal = True
    triggers = ("Cannot mount Dataset(",)
    pattern = re.compile(r"Cannot mount Dataset\((?:id='([^']*)')?(?:, name='([^']*)')?")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "cannot-mount"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        name = match.group(2) if match and match.group(2) not in (None, "None") else None
        ident = match.group(1) if match and match.group(1) else None
        which = f" '{name}'" if name else (f" (id {ident})" if ident else "")
        return (
            f"The input dataset{which} could not be mounted{where(hits)}: its source is not accessible to the job's "
            "identity, or it holds no data."
        )
