"""BTD101-BTD104: what the deployment deploys - the model, and whether it comes with a scoring script and an
environment when it needs them (failure catalog rows 1, 3 and 58)."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Finding
from .base import Check
from .deployment import DeploymentContext
from .yamlfile import scalar_text

TROUBLESHOOT_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
YAML_URL = "https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-batch"
MLFLOW_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-mlflow-batch"


class DeploymentCheck(Check[DeploymentContext]):
    kind = "deployment"


def _needs(ctx: DeploymentContext) -> list[str]:
    missing = []
    if not ctx.code.present:
        missing.append("a scoring script (code_configuration)")
    if not ctx.env.present:
        missing.append("an environment")
    return missing


def _untyped_mlflow_folder(ctx: DeploymentContext) -> bool:
    return ctx.model.kind == "custom" and ctx.model.declared_type is None and ctx.model.has_mlmodel


class CodeOrEnvironmentMissing(DeploymentCheck):
    code = "BTD101"
    name = "code-or-environment-missing"
    category = Category.CONFIGURATION
    title = "A non-MLflow model needs a scoring script and an environment"
    remedy = (
        "Add 'code_configuration' (code folder and scoring_script) and an 'environment' to the deployment, or "
        "register the model as an MLflow model (type: mlflow_model) to use a no-code deployment."
    )
    docs_url = TROUBLESHOOT_URL
    what = (
        "The deployment's model is a custom (non-MLflow) model, and the deployment lacks code_configuration, an "
        "environment, or both."
    )
    why = (
        "No-code deployment works for MLflow models only; for any other model the service refuses the deployment "
        "with 'Code configuration or Environment is missing.'"
    )
    example = "model: {name: mnist, path: model}  # no type, so custom_model; and no code_configuration"
    phase = 10

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        if ctx.model.kind != "custom" or _untyped_mlflow_folder(ctx):
            return
        missing = _needs(ctx)
        if not missing:
            return
        declared = ctx.model.declared_type
        kind = f"its type is {declared}" if declared else "it has no 'type', so it is registered as custom_model"
        yield self.make(
            f"The model is not an MLflow model ({kind}), so the deployment needs {' and '.join(missing)}; "
            "the service rejects it with 'Code configuration or Environment is missing.'",
            [ctx.at("model"), ctx.at("code_configuration") if ctx.code.present else None],
        )


class ScriptWithoutEnvironment(DeploymentCheck):
    code = "BTD102"
    name = "script-without-environment"
    category = Category.CONFIGURATION
    title = "A scoring script is given without an environment"
    remedy = (
        "Add an 'environment' (an image with a conda file, or azureml:<name>:<version>) that has mlflow and the "
        "packages your scoring script imports; or drop code_configuration to let an MLflow model use its "
        "own no-code environment."
    )
    docs_url = MLFLOW_URL
    what = "The deployment has code_configuration (a custom scoring script) but no environment."
    why = (
        "Only a no-code MLflow deployment gets its environment for free. With a custom scoring script the "
        "environment is required, even for an MLflow model: the service answers \"'Environment Id' must not be "
        'empty."'
    )
    example = "model: azureml:heart-classifier-mlflow@latest + code_configuration, and no environment key"
    phase = 11

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        if ctx.model.kind not in ("mlflow", "reference") or not ctx.code.present or ctx.env.present:
            return
        what = "The MLflow model" if ctx.model.kind == "mlflow" else f"The model {ctx.model.reference}"
        yield self.make(
            f"{what} comes with a custom scoring script but the deployment has no environment: the service "
            "rejects it with \"'Environment Id' must not be empty.\"",
            [ctx.at("code_configuration"), ctx.at("model")],
        )


class MlflowTypeMissing(DeploymentCheck):
    code = "BTD103"
    name = "mlflow-type-missing"
    category = Category.CONFIGURATION
    title = "An MLflow model folder is not declared as type mlflow_model"
    remedy = "Add 'type: mlflow_model' to the inline model (or register it with that type and reference it)."
    docs_url = MLFLOW_URL
    what = (
        "The inline model's path holds an MLmodel file, but the model has no 'type'; models without a type are "
        "registered as custom_model."
    )
    why = (
        "A custom_model gets no no-code deployment, so a deployment without a scoring script or environment is "
        "rejected ('Code configuration or Environment is missing.') although the files are an MLflow model."
    )
    example = "model: {name: heart-classifier, path: model}  # model/MLmodel exists, but no type: mlflow_model"
    phase = 10

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        if not _untyped_mlflow_folder(ctx):
            return
        lacks = [
            word
            for word, given in (("scoring script", ctx.code.present), ("environment", ctx.env.present))
            if not given
        ]
        if not lacks:
            return
        yield self.make(
            f"The model folder '{ctx.model.path_value}' holds an MLmodel file (an MLflow model), but the model has "
            "no 'type: mlflow_model', so it is registered as custom_model and the deployment, which has no "
            f"{' and no '.join(lacks)}, is rejected with 'Code configuration or Environment is missing.'",
            [ctx.at("model", "path"), ctx.at("model")],
        )


class MissingOrInvalidKey(DeploymentCheck):
    code = "BTD104"
    name = "missing-or-invalid-key"
    category = Category.CONFIGURATION
    title = "A required key of the deployment is missing or invalid"
    remedy = (
        "Give 'model' (azureml:<name>:<version>, azureml:<name>@latest or an inline model), 'compute' "
        "(azureml:<cluster-name>) and, if present, 'type: model' or 'type: pipeline'."
    )
    docs_url = YAML_URL
    what = "The deployment YAML lacks 'model' or 'compute', or names the model or the type in a form the CLI rejects."
    why = "'az ml batch-deployment create' validates these keys first and stops before anything is deployed."
    example = (
        "model: mnist-classifier  # a bare name: use azureml:mnist-classifier:1 or azureml:mnist-classifier@latest"
    )
    phase = 5

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        document = ctx.yaml
        if ctx.deployment_type not in (None, "model", "pipeline"):
            yield self.make(
                f"'type: {scalar_text(document.get('type'))}' is not a batch deployment type; use 'model' (or "
                "'pipeline' for "
                "pipeline component deployments).",
                [ctx.at("type")],
            )
        if ctx.deployment_type == "pipeline":
            return
        if ctx.model.kind == "missing":
            yield self.make("The deployment has no 'model'.", [document.evidence(1)])
        elif ctx.model.kind == "invalid":
            shown = f" '{ctx.model.reference}'" if ctx.model.reference else ""
            yield self.make(
                f"The model{shown} is neither a registered model reference (azureml:<name>:<version> or "
                "azureml:<name>@latest) nor an inline model (a mapping with name and path).",
                [ctx.at("model")],
            )
        if document.get("compute") in (None, ""):
            yield self.make(
                "The deployment has no 'compute': batch deployments run on a compute cluster (azureml:<name>).",
                [ctx.at("compute") if document.has("compute") else document.evidence(1)],
            )
