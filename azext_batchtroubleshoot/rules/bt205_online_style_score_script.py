"""BT205 online-style-score-script: a scoring script written for an online endpoint, deployed to a batch one.

An online ``run(raw_data)`` receives the request body and starts with ``json.loads(raw_data)``; a batch ``run``
receives the mini-batch (a list of file paths, a DataFrame for tabular input, a ``MiniBatch`` object).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where

# What json.loads() is handed when run() treats the mini-batch as a request body.
MINI_BATCH_TYPES = frozenset({"MiniBatch", "list", "DataFrame", "tuple", "Series"})


class OnlineStyleScoreScript(SignatureRule):
    code = "BT205"
    name = "online-style-score-script"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script was written for an online endpoint"
    remedy = (
        "Rewrite run(mini_batch) for batch: it receives a list of file paths (a DataFrame for tabular input), not "
        "a JSON request body. Read each file, score it and return a list or DataFrame with one element per input; "
        "do not reuse an online endpoint's score.py (it calls json.loads on its argument and returns a JSON string)."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script#the-run-method"
    what = "run() passed the mini-batch to json.loads(), as an online endpoint's scoring script does with a request."
    why = "Every mini-batch fails the same way (or run() returns an error string), so nothing is scored."
    example = '\'{"error": "Error during inference: the JSON object must be str, bytes or bytearray, not MiniBatch"}\''
    # Before BT203 (phase 40): when run() catches this and returns the error string, that is the real cause.
    phase = 39
    fatal = True
    triggers = ("must be str, bytes or bytearray, not", "the JSON object must be str, not")
    pattern = re.compile(r"the JSON object must be str(?:, bytes or bytearray)?, not '?(\w+)'?")

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if match and match.group(1) in MINI_BATCH_TYPES:
                yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "online-style"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        kind = match.group(1) if match else "MiniBatch"
        return (
            f"run() passed the mini-batch ({kind}) to json.loads(): the scoring script expects an online endpoint's "
            f"JSON request, not a batch of files{where(hits)}."
        )
