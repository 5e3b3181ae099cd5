"""BT302 mlflow-signature-mismatch: input data that does not fit the MLflow model's signature.

The MLflow batch driver reads each file with the column types of the model's signature (``pd.read_csv(dtype=...)``)
and MLflow enforces the schema in ``predict()``; both failures are logged per file as ``Error processing input
file: '<path>'. Exception: <error>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, where
from .bt301_mlflow_unsupported_file_type import files_phrase, input_files

# MLflow's own schema enforcement: these say "signature" wherever they appear.
_SCHEMA = re.compile(
    r"Failed to enforce schema of data|Incompatible input types for column [^.]+\.[^.]*\."
    r"|Model is missing inputs \[[^\]]*\]|Shape of input \S+ does not match expected shape \S+"
)
# Type conversions that fail while a file is read with the signature's dtypes: only with a per-file context.
_DTYPE = re.compile(
    r"invalid literal for int\(\) with base 10: '[^']*'|could not convert string to float: '[^']*'"
    r"|Unable to parse string \"[^\"]*\"|Integer column has NA values in column \S+"
    r"|cannot safely convert passed user dtype of \w+ for \w+ dtyped data in column \S+"
)
_PER_FILE = re.compile(r"Error processing input file|for traceback on error:")


def signature_error(text: str) -> str | None:
    """The part of a line that shows the data does not fit the signature, or None."""
    found = _SCHEMA.search(text)
    if found is None and _PER_FILE.search(text):
        found = _DTYPE.search(text)
    return found.group(0) if found else None


class MlflowSignatureMismatch(SignatureRule):
    code = "BT302"
    name = "mlflow-signature-mismatch"
    category = Category.INPUT_DATA
    title = "Input data does not match the MLflow model's signature"
    remedy = (
        "Make the input files match the signature in the model's MLmodel file (column names and types: no text in "
        "integer columns, no missing values in integer columns), or log the model again with a signature that "
        "describes the real data (mlflow.models.infer_signature on representative data)."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-mlflow-batch"
        "#understand-signature-enforcement-for-mlflow-models"
    )
    what = (
        "Batch deployments of MLflow models read each file with the column types of the model's signature; a "
        "value that cannot be converted, or a missing column, fails the file."
    )
    why = "Each mismatching file fails; when every file of a mini-batch fails, the mini-batch fails too."
    example = (
        "ERROR:azureml:Error processing input file: '/mnt/batch/tasks/.../a-given-file.csv'. "
        "Exception: invalid literal for int() with base 10: 'value'"
    )
    phase = 30
    triggers = (
        "Error processing input file",
        "for traceback on error:",
        "Failed to enforce schema of data",
        "Incompatible input types for column",
        "Model is missing inputs",
    )

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit in facts.hits(*self.triggers):
            if signature_error(hit.text):
                yield hit, None

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return "signature"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        detail = next((d for h in hits if (d := signature_error(h.text))), "")
        verb = "does" if len(input_files(hits)) == 1 else "do"
        return f"{files_phrase(hits)} {verb} not match the model's signature: {detail.rstrip('.')}{where(hits)}."
