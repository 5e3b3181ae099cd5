"""BT304 no-objects-to-concatenate: a mini-batch failed because every (or some) of its files failed.

The MLflow batch driver concatenates the predictions of the files of a mini-batch: with no file left,
``pd.concat`` raises ``No objects to concatenate``; newer drivers raise ``Not all input files were processed
successfully`` as soon as one file failed.  Both only report that the per-file errors happened.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..core.models import Category, Role
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where

PER_FILE_TRIGGER = "Error processing input file"


class NoObjectsToConcatenate(SignatureRule):
    code = "BT304"
    name = "no-objects-to-concatenate"
    category = Category.INPUT_DATA
    role = Role.SYMPTOM
    title = "Mini-batches failed because their input files failed"
    remedy = (
        "Look for 'ERROR:azureml:Error processing input file' in logs/user/stdout/<node>/processNNN.stdout.txt: it "
        "names each file and why it failed (an unsupported file type, data that does not fit the model's "
        "signature, a corrupt file). Fix or remove those files, or deploy with a scoring script that reads them."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
        "#valueerror-no-objects-to-concatenate"
    )
    what = (
        "run() had no prediction to concatenate (every file of the mini-batch failed), or refused a mini-batch in "
        "which some files failed."
    )
    why = "It says that files failed, not why; the per-file errors are the cause."
    example = "ValueError: No objects to concatenate"
    phase = 41
    triggers = ("No objects to concatenate", "Not all input files were processed successfully", PER_FILE_TRIGGER)
    pattern = re.compile(r"No objects to concatenate|Not all input files were processed successfully")

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "not-all" if match and match.group(0).startswith("Not all") else "no-objects"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        per_file = facts.hits(PER_FILE_TRIGGER)
        if match and match.group(0).startswith("Not all"):
            what = "run() failed mini-batches in which some input files failed ('Not all input files were processed')"
        else:
            what = "run() failed with 'No objects to concatenate': every file of the mini-batch failed"
        if per_file:
            files = len({h.text for h in per_file})
            pointer = f"; {files} per-file error{'s are' if files != 1 else ' is'} logged in logs/user/stdout"
        else:
            pointer = "; the per-file errors are in logs/user/stdout/<node>/processNNN.stdout.txt"
        return f"{what}{where(hits)}{pointer}."
