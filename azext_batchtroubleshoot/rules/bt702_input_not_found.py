"""BT702 input-not-found: the input path does not exist or holds nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where


class InputNotFound(SignatureRule):
    code = "BT702"
    name = "input-not-found"
    category = Category.DATA_ACCESS
    title = "The job's input could not be found"
    remedy = (
        "Check the input path or data asset version passed to 'az ml batch-endpoint invoke' (typos, region-specific "
        "endpoints, an empty folder) and that the datastore points at the right container."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-access-data-batch-endpoints-jobs"
    what = "The storage service answered 'not found' for the input location given to the job."
    why = "Without input there is nothing to score; the job fails before scheduling any mini-batch."
    example = (
        "ScriptExecution.StreamAccess.NotFound ... Found no resources for the input provided: "
        "'https://pipelinedata.blob.core.windows.net/sampledata/missing/'"
    )
    phase = 25
    fatal = True
    triggers = (
        "StreamAccess.NotFound",
        "StreamAccessException was caused by NotFoundException",
        "Found no resources for the input provided",
    )
    pattern = re.compile(r"Found no resources for the input provided: '?([^'\s]+)'?|NotFound")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "input-not-found"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        paths = [m.group(1) for h in hits if (m := self.pattern.search(h.text)) and m.group(1)]
        target = f" '{paths[0]}'" if paths else ""
        return f"The input{target} was not found in storage{where(hits)}."
