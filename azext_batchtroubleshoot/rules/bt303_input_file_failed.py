"""BT303 input-file-failed: the MLflow batch driver could not read or score some input files.

What remains of ``Error processing input file: '<path>'. Exception: <error>`` once unsupported types (BT301) and
signature mismatches (BT302) are set aside: corrupt or empty files, wrong encodings or delimiters, images the
reader cannot open, errors from the model's predict().
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.grouping import mask
from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where
from .bt301_mlflow_unsupported_file_type import UNSUPPORTED, files_phrase
from .bt302_mlflow_signature_mismatch import signature_error

_ERROR = re.compile(r"Error processing input file: '[^']*'\.?\s*(?:Exception:\s*)?(.+)$|for traceback on error: (.+)$")


def _error(text: str) -> str:
    found = _ERROR.search(text)
    if not found:
        return ""
    return (found.group(1) or found.group(2) or "").strip()


class InputFileFailed(SignatureRule):
    code = "BT303"
    name = "input-file-failed"
    category = Category.INPUT_DATA
    title = "Some input files could not be read or scored"
    remedy = (
        "Open the files named in logs/user/stdout/<node>/processNNN.stdout.txt and fix or remove them (corrupt or "
        "empty files, wrong encoding or delimiter, images that cannot be opened). The exception after "
        "'Exception:' says what failed for each file."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#valueerror-no-objects-to-concatenate"
    )
    what = "The MLflow batch driver logs one 'Error processing input file' line for every file it could not process."
    why = "Those files produce no prediction; a mini-batch whose files all fail fails as a whole."
    example = (
        "ERROR:azureml:Error processing input file: '/mnt/azureml/cr/j/0a1b/cap/data-capability/wd/INPUT_data/"
        "part-7.csv'. Exception:Error tokenizing data. C error: Expected 14 fields in line 88, saw 15"
    )
    phase = 31
    triggers = ("Error processing input file", "for traceback on error:")

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit in facts.hits(*self.triggers):
            if not _error(hit.text) or UNSUPPORTED.search(hit.text) or signature_error(hit.text):
                continue
            yield hit, None

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return mask(_error(hit.text))[:120]

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        error = next((e for h in hits if (e := _error(h.text))), "")
        return f"{files_phrase(hits)} could not be processed: {error[:240].rstrip('.')}{where(hits)}."
