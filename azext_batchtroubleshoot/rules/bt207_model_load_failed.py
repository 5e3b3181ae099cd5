"""BT207 model-load-failed: init() could not find or recognise the model files under AZUREML_MODEL_DIR.

Only model-loading errors count: the texts of transformers, MLflow and azureml's ``Model.get_model_path`` that say
the model folder is not what the loader expected, an unset ``AZUREML_MODEL_DIR``, and a missing file whose path is
a model path (under ``azureml-models``, a ``model`` folder, or a model file extension) raised while init() ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.layout import FileKind
from ..logs.scan import Hit
from .base import SignatureRule, phase_of, where

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hf-config", re.compile(r"Unrecognized model in (\S+?)\.? Should have a `?model_type`? key")),
    ("hf-file", re.compile(r"(\S+) does not appear to have a file named ([\w.\-]+)")),
    ("hf-id", re.compile(r"'?([^'\s]+)'? is not a local folder and is not a valid model identifier")),
    ("hf-weights", re.compile(r"Error no file named (.+?) found in directory (\S+?)\.?$")),
    ("mlflow", re.compile(r"Could not find an \"MLmodel\" configuration file at \"?([^\"\s]+)\"?")),
    ("get-model-path", re.compile(r"Model not found in cache or in root at (\S+?)\.? ")),
    ("no-model-dir", re.compile(r"KeyError: 'AZUREML_MODEL_DIR'")),
    ("missing-file", re.compile(r"No such file or directory:? '([^']+)'")),
)
_MODEL_FILE = re.compile(
    r"\.(?:pkl|pickle|joblib|pt|pth|onnx|h5|hdf5|keras|safetensors|sav|cbm|ubj|pb|ckpt|gguf|msgpack)$", re.IGNORECASE
)
_MODEL_FOLDER = re.compile(r"(?:^|/)(?:azureml-models|[\w.\-]*[_\-]?models?)(?:/|$)", re.IGNORECASE)
SUMMARY_KINDS = frozenset({FileKind.USER_ERROR_SUMMARY, FileKind.JOB_RESULT, FileKind.JOB_ERROR, FileKind.SERVICE})


def is_model_path(path: str) -> bool:
    """A path that init() builds to load a model: a model file, or a file under a model folder."""
    return bool(_MODEL_FILE.search(path) or _MODEL_FOLDER.search(path.rstrip("/") + "/"))


def _kind(text: str) -> tuple[str, re.Match[str]] | None:
    for kind, pattern in _KINDS:
        found = pattern.search(text)
        if found:
            return kind, found
    return None


class ModelLoadFailed(SignatureRule):
    code = "BT207"
    name = "model-load-failed"
    category = Category.ENTRY_SCRIPT
    title = "init() could not load the model from AZUREML_MODEL_DIR"
    remedy = (
        "Compare the registered model's folder layout (studio: Models > the model > Artifacts) with the path init() "
        "builds: AZUREML_MODEL_DIR is the folder that holds the registered files, which often sit one folder "
        "deeper (model/ for MLflow models, the folder name you registered). Build the path with "
        "os.path.join(os.environ['AZUREML_MODEL_DIR'], '<folder>', '<file>') or log os.listdir() of it in init(); "
        "with the v1 SDK pass the model's folder name to Model.get_model_path() and append the file name. Make "
        "sure the deployment has a model attached."
    )
    docs_url = (
        "https://learn.microsoft.com/azure/machine-learning/how-to-batch-scoring-script#using-models-that-are-folders"
    )
    what = (
        "The loader (transformers, MLflow, joblib, Model.get_model_path) did not find the model files where init() "
        "looked, or found a folder that is not a model."
    )
    why = "init() fails on every worker process, so no mini-batch is scored and the job fails with exit 42."
    example = (
        "ValueError: Unrecognized model in /mnt/azureml/cr/j/0a1b/exe/wd/0a1b_score_model. "
        "Should have a `model_type` key in its config.json"
    )
    phase = 20
    fatal = True
    triggers = (
        "Unrecognized model in",
        "does not appear to have a file named",
        "is not a local folder and is not a valid model identifier",
        "Error no file named",
        'Could not find an "MLmodel" configuration file',
        "Model not found in cache or in root at",
        "KeyError: 'AZUREML_MODEL_DIR'",
        "No such file or directory",
    )

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit in facts.hits(*self.triggers):
            found = _kind(hit.text)
            if found is None:
                continue
            kind, match = found
            if kind == "missing-file" and not self._is_model_file_error(facts, hit, match.group(1)):
                continue
            yield hit, match

    @staticmethod
    def _is_model_file_error(facts: JobFacts, hit: Hit, path: str) -> bool:
        if not is_model_path(path):
            return False
        traceback = facts.traceback_for(hit)
        if traceback is not None:
            return traceback.phase == "init"
        # A summary line without its stack trace: count it unless it says it came from run().
        return hit.file.kind in SUMMARY_KINDS and phase_of(facts, [hit]) != "run"

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        found = _kind(hit.text)
        return found[0] if found else "model-load"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        phase = phase_of(facts, hits) or "init"
        found = _kind(hits[0].text) if hits else None
        detail = _detail(*found) if found else "the model files were not where it looked"
        return f"{phase}() could not load the model: {detail}{where(hits)}."


def _detail(kind: str, match: re.Match[str]) -> str:
    if kind == "hf-config":
        return (
            f"transformers found no model config (model_type) in '{match.group(1)}', so the path is not the folder "
            "that holds config.json"
        )
    if kind == "hf-file":
        return f"'{match.group(1)}' has no {match.group(2)}, so it is not the model's folder"
    if kind == "hf-id":
        return f"'{match.group(1)}' is neither an existing folder nor a model id, so the model path is wrong"
    if kind == "hf-weights":
        return f"no weights file ({match.group(1)}) in '{match.group(2)}'"
    if kind == "mlflow":
        return f"there is no MLmodel file at '{match.group(1)}', so it is not the MLflow model's folder"
    if kind == "get-model-path":
        return f"Model.get_model_path() found nothing at {match.group(1)}; pass the model's folder name"
    if kind == "no-model-dir":
        return "AZUREML_MODEL_DIR is not set, so the deployment has no model attached"
    return f"'{match.group(1)}' does not exist"
