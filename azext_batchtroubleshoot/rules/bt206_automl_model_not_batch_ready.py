"""BT206 automl-model-not-batch-ready: the scoring script calls a method the (AutoML or MLflow) model lacks.

AutoML's generated scoring script is written for online endpoints, and scripts copied from a forecasting
example call ``model.forecast()`` on a regression pipeline; a model loaded with ``mlflow.pyfunc`` only offers
``predict()``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from ..core.models import Category
from ..logs.facts import JobFacts
from ..logs.scan import Hit
from .base import SignatureRule, phase_of, where

# Model wrappers of azureml.automl.runtime (model_wrappers) that AutoML registers.
AUTOML_CLASSES = frozenset(
    {
        "RegressionPipeline",
        "ForecastingPipelineWrapper",
        "PipelineWithYTransformations",
        "StackEnsembleRegressor",
        "StackEnsembleClassifier",
        "PreFittedSoftVotingRegressor",
        "PreFittedSoftVotingClassifier",
    }
)
PYFUNC_CLASSES = frozenset({"PyFuncModel"})


class AutomlModelNotBatchReady(SignatureRule):
    code = "BT206"
    name = "automl-model-not-batch-ready"
    category = Category.ENTRY_SCRIPT
    title = "The scoring script calls a method the AutoML or MLflow model does not have"
    remedy = (
        "Write a batch scoring script for the model: AutoML's generated scoring script only works for online "
        "endpoints. Load the model in init() with its flavour (mlflow.sklearn.load_model, or joblib for "
        "model.pkl), read each file of the mini-batch in run(mini_batch) and call what the model offers: "
        "predict() for regression and classification, forecast() only on a forecasting model "
        "(ForecastingPipelineWrapper). A model loaded with mlflow.pyfunc.load_model only has predict()."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/how-to-mlflow-batch#customize-model-deployment-with-scoring-script"
    what = "run() called a method (forecast, predict_proba, ...) that the loaded model object does not have."
    why = "Every mini-batch fails at the same call, so no mini-batch succeeds and the job fails."
    example = "AttributeError: 'RegressionPipeline' object has no attribute 'forecast'"
    phase = 40
    fatal = True
    triggers = (
        "'RegressionPipeline' object has no attribute",
        "'ForecastingPipelineWrapper' object has no attribute",
        "'PipelineWithYTransformations' object has no attribute",
        "'PyFuncModel' object has no attribute",
        "object has no attribute 'forecast",
    )
    pattern = re.compile(r"'(\w+)' object has no attribute '(\w+)'")

    def matches(self, facts: JobFacts) -> Iterator[tuple[Hit, re.Match[str] | None]]:
        for hit, match in super().matches(facts):
            if match is None:
                continue
            owner, attribute = match.group(1), match.group(2)
            # A plain sklearn Pipeline asked to forecast is an AutoML regression model loaded with mlflow.sklearn;
            # other classes without forecast() (statsmodels results, user objects) are ordinary bugs (BT202).
            if (
                owner in AUTOML_CLASSES
                or owner in PYFUNC_CLASSES
                or (owner == "Pipeline" and attribute.startswith("forecast"))
            ):
                yield hit, match

    def key(self, hit: Hit, match: re.Match[str] | None) -> str:
        return f"{match.group(1)}.{match.group(2)}" if match else "automl"

    def describe(self, match: re.Match[str] | None, hits: Sequence[Hit], facts: JobFacts) -> str:
        owner, attribute = (match.group(1), match.group(2)) if match else ("model", "?")
        phase = phase_of(facts, hits) or "run"
        if owner in PYFUNC_CLASSES:
            return (
                f"{phase}() called {attribute}() on a model loaded with mlflow.pyfunc, which only offers "
                f"predict(){where(hits)}."
            )
        if attribute.startswith("forecast"):
            return (
                f"{phase}() called {attribute}() on an AutoML {owner}, which is not a forecasting model: the "
                f"scoring script does not match the model{where(hits)}."
            )
        return (
            f"{phase}() called {attribute}() on the AutoML model ({owner}), which has no such method: AutoML's "
            f"scoring script is for online endpoints{where(hits)}."
        )
