"""BT301 mlflow-unsupported-file-type: the MLflow batch driver met an input file it cannot read.

Without a scoring script, an MLflow deployment reads only ``.csv``, ``.parquet``, ``.pqt`` and images (``.png``,
``.jpg``, ``.jpeg``, ``.tiff``, ``.bmp``, ``.gif``); older drivers did not read parquet either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where

UNSUPPORTED = re.compile(r"File type '\.?([^'\s]*)' is not supported")
INPUT_FILE = re.compile(r"Error processing input file: '([^']+)'")
# The MLflow driver's wordings around it; a user's own "File type '.md' is not supported, skipping" is not it.
MLFLOW_CONTEXT = re.compile(r"Error processing input file|for traceback on error|Current accepted filetypes")


def input_files(hits: Sequence[Hit]) -> list[str]:
    """The distinct input files named in ``Error processing input file: '<path>'`` lines, in order."""
    seen: dict[str, None] = {}
    for hit in hits:
        for path in INPUT_FILE.findall(hit.text):
            seen.setdefault(path, None)
    return list(seen)


def files_phrase(hits: Sequence[Hit]) -> str:
    files = input_files(hits)
    if not files:
        return "Input files"
    name = files[0].rsplit("/", 1)[-1]
    return f"{len(files)} input file{'s' if len(files) != 1 else ''} (first: {name})"


class MlflowUnsupportedFileType(SignatureRule):
    code = "BT301"
    name = "mlflow-unsupported-file-type"
    category = Category.INPUT_DATA
    title = "The input holds files the MLflow batch deployment cannot read"
    remedy = (
        "Give the deployment only .csv, .parquet/.pqt or image files (.png, .jpg, .jpeg, .tiff, .bmp, .gif): convert "
        "the files, or remove the others from the input folder. To read another format, deploy the MLflow model "
        "with a scoring script (and an environment) that loads it."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-mlflow-batch#review-support-for-file-types"
    what = (
        "The scoring script Azure ML generates for MLflow models picks a reader by file extension; this extension "
        "has none."
    )
    why = "Each such file fails; a mini-batch with one fails, and an input made of them fails the job."
    example = (
        "ERROR:azureml:Error processing input file: '/mnt/batch/tasks/.../a-given-file.avro'. "
        "File type 'avro' is not supported."
    )
    phase = 30
    triggers = ("File type '",)
    pattern = UNSUPPORTED

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if MLFLOW_CONTEXT.search(hit.text):
                yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return (match.group(1).lower() if match else "") or "unsupported"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        extension = match.group(1) if match else "?"
        return (
            f"{files_phrase(hits)} could not be read: file type '.{extension.lstrip('.')}' is not supported by the "
            f"MLflow batch deployment{where(hits)}."
        )
