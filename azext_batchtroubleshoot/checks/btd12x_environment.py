"""BTD121-BTD124: the environment's files - the conda file and its pip section, requirement files, the Dockerfile
(failure catalog rows 10, 13 and 14)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..core.models import Category, Evidence, Finding, Severity
from .btd10x_model import DeploymentCheck
from .deployment import DeploymentContext
from .packages import may_resolve_below, may_resolve_to

TROUBLESHOOT_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
ENVIRONMENT_URL = "https://learn.microsoft.com/azure/machine-learning/reference-yaml-environment"
AZUREML_CORE_NAMES = ("azureml-core", "azureml-defaults", "azureml-sdk")
SETUPTOOLS_WITHOUT_PKG_RESOURCES = 82
_PIP_UNINSTALL = re.compile(r"pip3?\s+uninstall\b[^\n]*\s(pip)(\s|$)|-m\s+pip\s+uninstall\b[^\n]*\s(pip)(\s|$)")
_PIP_REMOVED = re.compile(r"rm\s+-[a-zA-Z]*\s+[^\n]*site-packages/pip\b")


class EnvironmentFileProblem(DeploymentCheck):
    code = "BTD121"
    name = "environment-file-problem"
    category = Category.ENVIRONMENT
    title = "The environment's conda file or image cannot be used"
    remedy = (
        "Point 'environment.conda_file' at an existing conda YAML (relative to the deployment YAML's folder) with "
        "a 'dependencies' list, and give the environment an 'image' (or a 'build' context)."
    )
    docs_url = ENVIRONMENT_URL
    what = (
        "The inline environment names a conda file that does not exist or is not valid, a requirements file it "
        "includes is missing, or the environment has neither an image nor a build context."
    )
    why = "The CLI cannot create the environment, or the image build fails before any job can run."
    example = "environment: {image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04, conda_file: env/conda.yml}"
    phase = 30

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        env = ctx.env
        if not env.inline:
            return
        if env.conda_missing is not None:
            yield self.make(
                f"The conda file '{env.conda_value}' does not exist (paths are relative to the YAML's folder).",
                [ctx.at("environment", "conda_file")],
            )
        if env.conda_error is not None:
            yield self.make(env.conda_error, [ctx.at("environment", "conda_file")])
        if env.packages is not None:
            for shown, line, problem in env.packages.problems:
                yield self.make(f"The conda file '{shown}' cannot be used: {problem}.", [Evidence(shown, line, "")])
        if isinstance(ctx.yaml.get("environment"), dict) and not env.image and env.build_path is None:
            yield self.make(
                "The inline environment has no 'image' and no 'build' context: an environment needs a base image "
                "(for example mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest) for its conda file.",
                [ctx.at("environment")],
            )
        if env.build_path is not None and not env.build_path.is_dir():
            yield self.make(
                f"The environment's build context '{ctx.yaml.get('environment', 'build', 'path')}' does not exist.",
                [ctx.at("environment", "build", "path")],
            )


class AzuremlCoreMissing(DeploymentCheck):
    code = "BTD122"
    name = "azureml-core-missing"
    category = Category.ENVIRONMENT
    title = "The environment's conda file lacks azureml-core"
    remedy = (
        "Add 'azureml-core' to the pip section of the conda file (keep 'azureml-dataset-runtime[fuse]' for file "
        "inputs), create a new environment version and update the deployment."
    )
    docs_url = f"{TROUBLESHOOT_URL}#no-module-named-azureml"
    what = "A custom environment's conda file lists no azureml-core (nor azureml-defaults, which includes it)."
    why = (
        "Batch deployments require azureml-core in the environment: the batch driver uses the azureml SDK, and "
        "without it the job fails with \"No module named 'azureml'\". It is an error when the scoring code itself "
        "imports azureml."
    )
    example = "dependencies: [python=3.10, pip, {pip: [torch, pandas]}]  # no azureml-core"
    phase = 31

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        packages = ctx.env.packages
        conda = ctx.env.conda
        if packages is None or conda is None or not ctx.env.inline or packages.problems:
            return
        if packages.find(*AZUREML_CORE_NAMES) is not None:
            return
        evidence: list[Evidence | None] = [conda.at("dependencies")]
        imported = ctx.code.imports.get("azureml")
        if imported is not None and not packages.with_prefix("azureml-"):
            shown, line = imported
            evidence.insert(0, Evidence(shown, line, _excerpt(ctx, shown, line)))
            yield self.make(
                f"The scoring code imports azureml ({shown}:{line}) but the conda file '{conda.shown}' has no "
                "azureml package: the job fails with \"No module named 'azureml'\".",
                evidence,
            )
            return
        yield self.make(
            f"The conda file '{conda.shown}' has no azureml-core: batch deployments need it in the environment "
            "(the batch driver uses the azureml SDK), or jobs fail with \"No module named 'azureml'\".",
            evidence,
            severity=Severity.WARNING,
        )


def _excerpt(ctx: DeploymentContext, shown: str, line: int) -> str:
    for source in ctx.files:
        if source.shown == shown:
            return source.excerpt(line)
    return ""


class PipMissing(DeploymentCheck):
    code = "BTD123"
    name = "pip-missing"
    category = Category.ENVIRONMENT
    title = "pip may be missing from the environment"
    remedy = (
        "List 'pip' among the conda dependencies (above the 'pip:' section), and keep pip in custom Docker images: "
        "the batch driver runs 'python -m pip' while it starts."
    )
    docs_url = TROUBLESHOOT_URL
    what = (
        "The conda file has a 'pip:' section but does not list pip itself, or the environment's Dockerfile "
        "uninstalls pip."
    )
    why = (
        "The batch driver (amlbi_main.py) runs 'python -m pip' while initialising; without pip the job dies with "
        "'No module named pip' and exit 42 before the scoring script is called, with an almost empty log."
    )
    example = "dependencies: [python=3.10, {pip: [azureml-core]}]  # pip itself not listed"
    phase = 32

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        env = ctx.env
        if not env.inline:
            return
        dockerfile = env.dockerfile
        if dockerfile is not None:
            for number, text in enumerate(dockerfile.lines, start=1):
                if _PIP_UNINSTALL.search(text) or _PIP_REMOVED.search(text):
                    yield self.make(
                        f"The Dockerfile '{dockerfile.shown}' removes pip (line {number}): the batch driver runs "
                        "'python -m pip' at start-up and the job fails with 'No module named pip'.",
                        [dockerfile.evidence(number)],
                    )
                    break
        packages = env.packages
        conda = env.conda
        if packages is None or conda is None or packages.conda_lists_pip or not packages.has_pip_section:
            return
        yield self.make(
            f"The conda file '{conda.shown}' has a 'pip:' section but does not list pip: conda may then install "
            "the pip packages with another pip, or none, and the batch driver needs 'python -m pip'.",
            [conda.evidence(packages.pip_section_line)],
            severity=Severity.WARNING,
        )


class PkgResourcesSetuptools(DeploymentCheck):
    code = "BTD124"
    name = "pkg-resources-setuptools"
    category = Category.ENVIRONMENT
    title = "pkg_resources is used but setuptools may be 82 or newer"
    severity = Severity.WARNING
    remedy = (
        "Pin 'setuptools<82' in the conda file's pip section (or stop importing pkg_resources: use "
        "importlib.metadata / importlib.resources), create a new environment version and update the deployment."
    )
    docs_url = "https://setuptools.pypa.io/en/latest/history.html"
    what = (
        "The scoring code imports pkg_resources while the environment does not keep setuptools below 82, or the "
        "conda file pins setuptools 82 or newer."
    )
    why = (
        "setuptools 82 removed pkg_resources: an unpinned setuptools resolves to the newest release and the import "
        "fails with \"No module named 'pkg_resources'\" (the job exits with 42)."
    )
    example = "import pkg_resources  # with 'setuptools' unpinned, or setuptools>=82, in the conda file"
    phase = 33

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        packages = ctx.env.packages
        conda = ctx.env.conda
        if packages is None or conda is None or not ctx.env.inline:
            return
        uses = ctx.code.imports.get("pkg_resources")
        setuptools = packages.find("setuptools")
        use_evidence = Evidence(uses[0], uses[1], _excerpt(ctx, uses[0], uses[1])) if uses else None
        limit = SETUPTOOLS_WITHOUT_PKG_RESOURCES
        if setuptools is not None and setuptools.spec:
            reaches = may_resolve_to(setuptools.spec, setuptools.source, limit)
            stays_below = may_resolve_below(setuptools.spec, setuptools.source, limit)
            at = Evidence(setuptools.shown, setuptools.line, setuptools.raw)
            if reaches and stays_below is False:
                yield self.make(
                    f"The conda file pins '{setuptools.raw}', which has no pkg_resources (removed in setuptools 82)"
                    + (
                        f"; the scoring code imports it at {uses[0]}:{uses[1]}."
                        if uses
                        else "; the driver's azureml packages or other libraries that still import it will fail."
                    ),
                    [at, use_evidence],
                    severity=Severity.ERROR if uses else Severity.WARNING,
                )
                return
            if not uses or not reaches:
                return
            yield self.make(
                f"The scoring code imports pkg_resources ({uses[0]}:{uses[1]}) and '{setuptools.raw}' allows "
                "setuptools 82 or newer, which no longer has it: pin setuptools<82.",
                [use_evidence, at],
                severity=Severity.WARNING,
            )
            return
        if uses:
            where = "is unpinned" if setuptools is not None else "is not listed"
            yield self.make(
                f"The scoring code imports pkg_resources ({uses[0]}:{uses[1]}) but setuptools {where} in "
                f"'{conda.shown}': the newest setuptools (82 and later) has no pkg_resources.",
                [
                    use_evidence,
                    Evidence(setuptools.shown, setuptools.line, setuptools.raw)
                    if setuptools
                    else conda.at("dependencies"),
                ],
                severity=Severity.WARNING,
            )
