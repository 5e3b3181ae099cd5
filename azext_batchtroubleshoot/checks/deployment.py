"""Everything ``check deployment`` knows about a batch deployment YAML and the files it names.

The YAML is the CLI v2 batch deployment schema, in both of its forms: ``type: model`` with a ``settings:`` block
(CLI 1.7 and newer), and the older form without ``type`` where the same settings sit at the root of the file.  Paths
(``code_configuration.code``, ``environment.conda_file``, ``model.path``) are relative to the YAML's folder, as the
CLI resolves them.  Files are read as text and parsed; the scoring script is never imported or run.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError
from ..core.models import Evidence, SkippedFile
from .packages import Packages, conda_packages
from .script import ScriptAnalysis, analyse_script, imported_packages
from .yamlfile import KeyPath, TextFile, YamlFile, load_yaml, read_text, scalar_text, shown_path

# The keys the CLI accepts at the root of each form (azure-ai-ml's BatchDeploymentSchema and
# ModelBatchDeploymentSchema; any other key is rejected with "Unknown field").
LEGACY_ROOT_KEYS = frozenset(
    {
        "$schema", "name", "description", "tags", "properties", "id", "endpoint_name", "type", "model",
        "code_configuration", "environment", "environment_variables", "compute", "resources", "error_threshold",
        "retry_settings", "mini_batch_size", "logging_level", "output_action", "output_file_name",
        "max_concurrency_per_instance", "component", "job_definition",
    }
)  # fmt: skip
MODEL_ROOT_KEYS = frozenset(
    {
        "$schema", "name", "description", "tags", "properties", "id", "endpoint_name", "type", "model",
        "code_configuration", "environment", "environment_variables", "compute", "resources", "error_threshold",
        "settings",
    }
)  # fmt: skip
SETTINGS_KEYS = frozenset(
    {
        "max_concurrency_per_instance", "mini_batch_size", "output_action", "output_file_name", "retry_settings",
        "error_threshold", "logging_level", "environment_variables", "instance_count",
    }
)  # fmt: skip
RESOURCES_KEYS = frozenset(
    {"instance_count", "instance_type", "properties", "docker_args", "shm_size", "locations", "max_instance_count"}
)
RETRY_KEYS = frozenset({"max_retries", "timeout"})
CODE_CONFIGURATION_KEYS = frozenset({"code", "scoring_script"})

# Defaults of the batch deployment YAML reference (reference-yaml-deployment-batch, "settings" table).
DEFAULTS: dict[str, Any] = {
    "max_concurrency_per_instance": 1,
    "mini_batch_size": 10,
    "error_threshold": -1,
    "logging_level": "info",
    "output_action": "append_row",
    "output_file_name": "predictions.csv",
    "retry_settings.max_retries": 3,
    "retry_settings.timeout": 30,
    "instance_count": 1,
}
REFERENCE_PREFIXES = ("azureml:", "/subscriptions/", "azureml://")
REMOTE_PREFIXES = ("azureml:", "azureml://", "https://", "http://", "runs:/", "models:/", "wasbs://", "abfss://")
MAX_CODE_FILES = 300
MAX_CODE_BYTES = 20 * 1024 * 1024
SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".venv", "venv", "node_modules", ".ipynb_checkpoints", ".mypy_cache"})


@dataclass
class Setting:
    name: str  # dotted: "retry_settings.timeout"
    value: Any
    declared: bool
    keys: KeyPath  # where it is written; () when it takes its default

    @property
    def text(self) -> str:
        """The value for a message (bounded); strings quoted."""
        return repr(self.value) if isinstance(self.value, str) else scalar_text(self.value)


@dataclass
class ModelFacts:
    present: bool
    kind: str  # "mlflow" | "custom" | "reference" | "missing" | "invalid"
    declared_type: str | None = None
    reference: str | None = None
    local_path: Path | None = None
    path_value: str | None = None
    has_mlmodel: bool = False


@dataclass
class CodeFacts:
    present: bool
    code_value: str | None = None
    code_dir: Path | None = None
    code_is_reference: bool = False
    script_value: str | None = None
    script_path: Path | None = None
    script: TextFile | None = None
    analysis: ScriptAnalysis | None = None
    # Top-level packages imported by any .py file of the code folder -> (file as shown, line).
    imports: dict[str, tuple[str, int]] = field(default_factory=dict)


@dataclass
class EnvFacts:
    present: bool
    reference: str | None = None
    name: str | None = None
    image: str | None = None
    conda_value: str | None = None
    conda_inline: bool = False
    conda: YamlFile | None = None
    conda_missing: Path | None = None
    conda_error: str | None = None
    packages: Packages | None = None
    build_path: Path | None = None
    dockerfile: TextFile | None = None

    @property
    def inline(self) -> bool:
        return self.present and self.reference is None


@dataclass
class DeploymentContext:
    yaml: YamlFile
    root: Path
    deployment_type: str | None  # "model", "pipeline" or None (the older form)
    settings: dict[str, Setting]
    model: ModelFacts
    code: CodeFacts
    env: EnvFacts
    instance_type: str | None = None
    instance_type_keys: KeyPath | None = None  # None when it came from --instance-type
    files: list[TextFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def uses_settings_block(self) -> bool:
        return self.deployment_type == "model"

    def setting(self, name: str) -> Setting:
        return self.settings[name]

    def at(self, *keys: Any) -> Evidence:
        return self.yaml.at(*keys)

    def setting_evidence(self, name: str) -> Evidence | None:
        setting = self.settings.get(name)
        if setting is None or not setting.declared:
            return None
        return self.yaml.at(*setting.keys)

    def shown(self, path: Path) -> str:
        return shown_path(path, self.root)


def load_deployment(path: str | os.PathLike[str], instance_type: str | None = None) -> DeploymentContext:
    yaml_path = Path(path).expanduser()
    root = yaml_path.resolve().parent
    document = load_yaml(yaml_path.resolve(), root, "deployment YAML")
    _require_deployment(document)
    data: dict[str, Any] = document.data
    declared_type = data.get("type")
    deployment_type = str(declared_type).lower() if isinstance(declared_type, str) else None
    context = DeploymentContext(
        yaml=document,
        root=root,
        deployment_type=deployment_type,
        settings=_settings(document, deployment_type),
        model=ModelFacts(present=False, kind="missing"),
        code=CodeFacts(present=False),
        env=EnvFacts(present=False),
        files=[document],
    )
    context.model = _model(context)
    context.code = _code(context)
    context.env = _environment(context)
    resources = data.get("resources")
    if isinstance(resources, dict) and isinstance(resources.get("instance_type"), str):
        context.instance_type = resources["instance_type"]
        context.instance_type_keys = ("resources", "instance_type")
    if instance_type:
        context.instance_type = instance_type
        context.instance_type_keys = None
    return context


def _require_deployment(document: YamlFile) -> None:
    data = document.data
    schema = str(data.get("$schema", "")) if isinstance(data, dict) else ""
    if not isinstance(data, dict):
        raise InputFileError(
            f"'{document.shown}' is not a batch deployment YAML: its top level is not a mapping of keys.",
            "Give the deployment's YAML (the file you pass to 'az ml batch-deployment create --file').",
        )
    lowered = schema.lower()
    if "batchendpoint.schema" in lowered or "onlineendpoint.schema" in lowered:
        raise InputFileError(
            f"'{document.shown}' is an endpoint YAML ($schema {schema}), not a deployment.",
            "Give the deployment's YAML (the file you pass to 'az ml batch-deployment create --file').",
        )
    if "onlinedeployment" in lowered or "managedonlinedeployment" in lowered or "request_settings" in data:
        raise InputFileError(
            f"'{document.shown}' is an online deployment YAML; 'check deployment' checks batch deployments.",
            "Give a batch deployment YAML ($schema .../batchDeployment.schema.json or modelBatchDeployment).",
        )
    markers = {"model", "code_configuration", "compute", "settings", "component", "endpoint_name", "environment"}
    if not markers & set(data):
        raise InputFileError(
            f"'{document.shown}' does not look like a batch deployment YAML: it has none of the keys "
            "model, code_configuration, environment, compute, settings or endpoint_name.",
            "Give the deployment's YAML (the file you pass to 'az ml batch-deployment create --file').",
        )


# ----------------------------------------------------------------------------------------------- settings


def _settings(document: YamlFile, deployment_type: str | None) -> dict[str, Setting]:
    """Effective settings: where the form says they belong first, then the other place, then the default."""
    block_first = deployment_type == "model"
    found: dict[str, Setting] = {}
    for name, default in DEFAULTS.items():
        keys = tuple(name.split("."))
        candidates: list[KeyPath] = [("settings", *keys), keys] if block_first else [keys, ("settings", *keys)]
        if name == "instance_count":
            candidates = [("resources", "instance_count"), ("settings", "instance_count")]
        setting = Setting(name, default, False, ())
        for where in candidates:
            if document.has(*where):
                setting = Setting(name, document.get(*where), True, where)
                break
        found[name] = setting
    return found


# ----------------------------------------------------------------------------------------------- model


def _model(context: DeploymentContext) -> ModelFacts:
    value = context.yaml.get("model")
    if value is None:
        return ModelFacts(present=context.yaml.has("model"), kind="missing")
    if isinstance(value, str):
        if value.startswith(REFERENCE_PREFIXES):
            return ModelFacts(present=True, kind="reference", reference=value)
        return ModelFacts(present=True, kind="invalid", reference=value)
    if not isinstance(value, dict):
        return ModelFacts(present=True, kind="invalid")
    declared = value.get("type")
    declared_type = scalar_text(declared).lower() if declared is not None else None
    facts = ModelFacts(present=True, kind="custom", declared_type=declared_type)
    if declared_type == "mlflow_model":
        facts.kind = "mlflow"
    path_value = value.get("path")
    if isinstance(path_value, str):
        facts.path_value = path_value
        if not path_value.startswith(REMOTE_PREFIXES):
            local = (context.root / path_value).resolve()
            facts.local_path = local
            if local.is_dir():
                facts.has_mlmodel = (local / "MLmodel").is_file()
            elif local.is_file():
                facts.has_mlmodel = local.name == "MLmodel"
    return facts


# ----------------------------------------------------------------------------------------------- code


def _code(context: DeploymentContext) -> CodeFacts:
    document = context.yaml
    config = document.get("code_configuration")
    if not document.has("code_configuration"):
        return CodeFacts(present=False)
    facts = CodeFacts(present=True)
    if not isinstance(config, dict):
        return facts
    code = config.get("code")
    script = config.get("scoring_script")
    facts.code_value = scalar_text(code) if code is not None else None
    facts.script_value = scalar_text(script) if script is not None else None
    if facts.code_value is not None and facts.code_value.startswith(REMOTE_PREFIXES):
        facts.code_is_reference = True
        return facts
    code_dir = (context.root / facts.code_value).resolve() if facts.code_value else context.root
    facts.code_dir = code_dir
    if facts.script_value:
        facts.script_path = (code_dir / facts.script_value).resolve()
        if facts.script_path.is_file():
            try:
                facts.script = read_text(facts.script_path, context.root, "scoring script")
            except InputFileError as exc:
                context.skipped.append(SkippedFile(context.shown(facts.script_path), exc.message))
            else:
                context.files.append(facts.script)
                facts.analysis = analyse_script(facts.script.text, facts.script.shown)
    if code_dir.is_dir():
        facts.imports = _code_imports(context, code_dir, facts.script)
    return facts


def _code_imports(context: DeploymentContext, code_dir: Path, script: TextFile | None) -> dict[str, tuple[str, int]]:
    """Packages imported by the scoring script and the modules next to it (the script's own imports win)."""
    found: dict[str, tuple[str, int]] = {}
    if script is not None and script.path.suffix == ".py":
        for package, line in _imports_of(script.text):
            found.setdefault(package, (script.shown, line))
    budget = MAX_CODE_BYTES
    count = 0
    for folder, dirs, files in os.walk(code_dir):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = Path(folder, name)
            if script is not None and path == script.path:
                continue
            count += 1
            if count > MAX_CODE_FILES or budget <= 0:
                context.skipped.append(SkippedFile(context.shown(path), "too many files in the code folder"))
                return found
            try:
                source = read_text(path, context.root, "code file")
            except InputFileError as exc:
                context.skipped.append(SkippedFile(context.shown(path), exc.message))
                continue
            budget -= source.size
            context.files.append(source)
            for package, line in _imports_of(source.text):
                found.setdefault(package, (source.shown, line))
    return found


def _imports_of(text: str) -> list[tuple[str, int]]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    return sorted(imported_packages(tree).items(), key=lambda item: item[1])


# ----------------------------------------------------------------------------------------------- environment


def _environment(context: DeploymentContext) -> EnvFacts:
    document = context.yaml
    value = document.get("environment")
    if value is None:
        return EnvFacts(present=False)
    if isinstance(value, str):
        return EnvFacts(present=True, reference=value)
    if not isinstance(value, dict):
        return EnvFacts(present=True)
    facts = EnvFacts(present=True, name=_text(value.get("name")), image=_text(value.get("image")))
    _conda_file(context, facts, value.get("conda_file"))
    build = value.get("build")
    if isinstance(build, dict) and isinstance(build.get("path"), str):
        build_path = (context.root / build["path"]).resolve()
        facts.build_path = build_path
        dockerfile = build_path / scalar_text(build.get("dockerfile_path") or "Dockerfile")
        if dockerfile.is_file():
            try:
                facts.dockerfile = read_text(dockerfile, context.root, "Dockerfile")
            except InputFileError as exc:
                context.skipped.append(SkippedFile(context.shown(dockerfile), exc.message))
            else:
                context.files.append(facts.dockerfile)
    if facts.conda is not None:
        facts.packages = conda_packages(facts.conda, lambda path: _read_requirements(context, path))
    return facts


def _conda_file(context: DeploymentContext, facts: EnvFacts, conda: Any) -> None:
    if isinstance(conda, dict):
        facts.conda_inline = True
        facts.conda = context.yaml.subtree("environment", "conda_file")
    elif isinstance(conda, str):
        facts.conda_value = conda
        conda_path = (context.root / conda).resolve()
        if not conda_path.is_file():
            facts.conda_missing = conda_path
            return
        try:
            facts.conda = load_yaml(conda_path, context.root, "conda file")
        except InputFileError as exc:
            facts.conda_error = exc.message
        else:
            context.files.append(facts.conda)


def _read_requirements(context: DeploymentContext, path: Path) -> TextFile | None:
    if not path.is_file():
        return None
    try:
        source = read_text(path, context.root, "requirements file")
    except InputFileError:
        return None
    context.files.append(source)
    return source


def _text(value: Any) -> str | None:
    return scalar_text(value) if value is not None else None
