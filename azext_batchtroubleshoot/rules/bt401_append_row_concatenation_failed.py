"""BT401 append-row-concatenation-failed: the master could not merge the temp result files into the output file.

With ``output_action: append_row`` every worker writes its results to temp files and the master concatenates them
into the output file (predictions.csv / parallel_run_step.txt) at the end.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule


class AppendRowConcatenationFailed(SignatureRule):
    code = "BT401"
    name = "append-row-concatenation-failed"
    category = Category.OUTPUT
    title = "The results could not be concatenated into the output file"
    remedy = (
        "The scoring itself finished: download the job's output folder, where the failed temp files were kept, and "
        "concatenate them yourself, or invoke the job again. Check logs/sys/master_role.txt around the same time "
        "for the write error (storage permission on the output datastore, a full disk, a throttled or unavailable "
        "storage account)."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
    what = "Concatenating the workers' temp result files into the append_row output file failed part way."
    why = "The output file is missing or incomplete even though the mini-batches were scored."
    example = (
        "Concatenated 3/8 files in 0:00:41. Failed temp files were kept. "
        "You can download the folder to concatenate manually."
    )
    phase = 60
    fatal = True
    triggers = ("Failed temp files were kept",)
    pattern = re.compile(r"(?:Concatenated (\d+)/(\d+) files[^.]*\. )?Failed temp files were kept")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "concatenation-failed"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        if match and match.group(1):
            done, total = match.group(1), match.group(2)
            return (
                f"Only {done} of {total} temp result files were concatenated into the output file; the failed temp "
                "files were kept in the output folder."
            )
        return "Concatenating the temp result files into the output file failed; the failed temp files were kept."
