"""BTD190: what ``check deployment`` could not verify offline, said plainly so a clean report is not over-read."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.models import Category, Finding, Role, Severity
from .btd10x_model import DeploymentCheck
from .deployment import DeploymentContext
from .skus import lookup


class NotCheckedOffline(DeploymentCheck):
    code = "BTD190"
    name = "not-checked-offline"
    category = Category.CONFIGURATION
    severity = Severity.INFO
    role = Role.ADVICE
    title = "Part of the deployment cannot be checked from local files"
    remedy = (
        "Check these parts in the workspace: 'az ml model show' (is the model type mlflow_model?), 'az ml environment "
        "show' (does its conda file have pip and azureml-core?), and give --instance-type to check the VM size."
    )
    docs_url = "https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-batch"
    what = (
        "The deployment refers to registered assets (a model, an environment or code referenced as azureml:...), an "
        "image without a conda file, or a VM size this tool does not know; their contents are not on disk."
    )
    why = "A report without errors does not vouch for what could not be read."
    example = "environment: azureml:my-env:3"
    phase = 90

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        if ctx.deployment_type == "pipeline":
            yield self.make(
                "This is a pipeline component deployment (type: pipeline): only model deployments are checked.",
                [ctx.at("type")],
                group_key="pipeline",
            )
            return
        model, env, code = ctx.model, ctx.env, ctx.code
        if model.kind == "reference" and not code.present:
            yield self.make(
                f"The model {model.reference} is registered: this no-code deployment works only if it is an MLflow "
                "model (type mlflow_model), which cannot be checked offline.",
                [ctx.at("model")],
                group_key="model",
            )
        if env.reference is not None:
            yield self.make(
                f"The environment {env.reference} is registered: its packages (pip, azureml-core, setuptools) are "
                "not checked offline.",
                [ctx.at("environment")],
                group_key="environment",
            )
        elif env.inline and env.conda is None and env.conda_missing is None and env.conda_error is None:
            image = env.image or "built from the Docker context"
            yield self.make(
                f"The environment is the image {image} with no conda file: the image's packages (pip, azureml-core) "
                "are not checked.",
                [ctx.at("environment")],
                group_key="image",
            )
        if code.code_is_reference:
            yield self.make(
                f"The code {code.code_value} is a registered code asset: the scoring script is not checked.",
                [ctx.at("code_configuration", "code")],
                group_key="code",
            )
        if ctx.instance_type and lookup(ctx.instance_type) is None:
            yield self.make(
                f"The VM size {ctx.instance_type} is not in this tool's table: max_concurrency_per_instance was not "
                "checked against its GPUs and vCPUs.",
                [ctx.at(*ctx.instance_type_keys) if ctx.instance_type_keys else None],
                group_key="vm",
            )
