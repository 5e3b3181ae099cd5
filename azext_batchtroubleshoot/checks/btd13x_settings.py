"""BTD131-BTD137: the deployment's settings - where they are written, their values, and how they fit together and
with the catalog's guidance (retry timeout vs mini-batch size, concurrency vs the VM, output action and file)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..core.models import Category, Evidence, Finding, Role, Severity
from ..core.thresholds import Bands, grade
from .btd10x_model import DeploymentCheck
from .deployment import (
    CODE_CONFIGURATION_KEYS,
    LEGACY_ROOT_KEYS,
    MODEL_ROOT_KEYS,
    RESOURCES_KEYS,
    RETRY_KEYS,
    SETTINGS_KEYS,
    DeploymentContext,
)
from .skus import lookup
from .yamlfile import scalar_text

YAML_URL = "https://learn.microsoft.com/azure/machine-learning/reference-yaml-deployment-batch"
TROUBLESHOOT_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-troubleshoot-batch-endpoints"
PRS_URL = "https://learn.microsoft.com/azure/machine-learning/v1/how-to-debug-parallel-run-step"
OUTPUT_URL = "https://learn.microsoft.com/azure/machine-learning/how-to-deploy-model-custom-output"

# Keys ModelBatchDeploymentSchema also accepts at the root, so they are not misplaced there.
MODEL_ROOT_SETTINGS_OK = frozenset({"error_threshold", "environment_variables"})
# Names from ParallelRunConfig (v1) and parallel jobs that people carry over, and what a deployment calls them.
FOREIGN_NAMES: dict[str, str] = {
    "process_count_per_node": "max_concurrency_per_instance",
    "node_count": "resources.instance_count",
    "instance_count": "resources.instance_count",
    "run_invocation_timeout": "retry_settings.timeout",
    "run_max_try": "retry_settings.max_retries",
    "mini_batch_error_threshold": "error_threshold (it counts failed files or rows, not failed mini-batches)",
    "allowed_failed_count": "error_threshold",
    "allowed_failed_percent": "error_threshold",
    "append_row_file_name": "output_file_name",
    "entry_script": "code_configuration.scoring_script",
    "source_directory": "code_configuration.code",
    "instance_type": "resources.instance_type (the cluster's VM size is set on the compute)",
    "max_retries": "retry_settings.max_retries",
    "timeout": "retry_settings.timeout",
    "task": "code_configuration (a deployment is not a parallel job)",
}
INTEGER_RULES: dict[str, tuple[int, str]] = {
    "mini_batch_size": (1, "at least 1 (files per run() call)"),
    "max_concurrency_per_instance": (1, "at least 1 (processes per node)"),
    "instance_count": (1, "at least 1 (nodes)"),
    "retry_settings.max_retries": (0, "0 or more"),
    "retry_settings.timeout": (1, "a number of seconds, at least 1"),
    "error_threshold": (-1, "-1 (ignore all failures) or a number of failed files, 0 or more"),
}
OUTPUT_ACTIONS = ("append_row", "summary_only")
LOGGING_LEVELS = ("warning", "info", "debug")
PYTHON_LOGGING_LEVELS = ("error", "critical", "notset", "warn", "fatal")
APPEND_ROW_SUFFIXES = (".csv", ".txt", ".tsv")
# Seconds of the retry timeout per file of a mini-batch (lower is worse); MS asks for mini-batches of 10 s or more.
SECONDS_PER_FILE = Bands(info=2.0, warning=1.0, error=0.25, higher_is_worse=False)
MEMORY_PER_PROCESS_GIB = 2.0


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return None


class SettingsForm(DeploymentCheck):
    code = "BTD131"
    name = "settings-form"
    category = Category.CONFIGURATION
    title = "Settings are written in the wrong place for the YAML's form"
    remedy = (
        "With 'type: model' put max_concurrency_per_instance, mini_batch_size, output_action, output_file_name, "
        "retry_settings, logging_level and error_threshold under 'settings:'; without 'type', keep them at the root "
        "(the older form). 'type: model' with 'settings:' is the recommended form."
    )
    docs_url = YAML_URL
    what = "The YAML uses 'settings:' without 'type: model', or has 'type: model' but settings at the root of the file."
    why = (
        "The CLI picks the schema by 'type': without it, 'settings' is an unknown field; with 'type: model', root-"
        "level settings are unknown fields. Either way 'az ml batch-deployment create' fails validation."
    )
    example = "type: model\nmini_batch_size: 10   # belongs under settings:"
    phase = 40

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        data = ctx.yaml.data
        if ctx.deployment_type is None and "settings" in data:
            yield self.make(
                "'settings:' is used but the YAML has no 'type: model': without a type the CLI reads the older form "
                "and rejects 'settings' as an unknown field.",
                [ctx.at("settings")],
            )
        elif ctx.deployment_type == "model":
            misplaced = [key for key in data if key in SETTINGS_KEYS and key not in MODEL_ROOT_SETTINGS_OK]
            if misplaced:
                yield self.make(
                    f"With 'type: model' these belong under 'settings:', and the CLI rejects them at the root: "
                    f"{', '.join(misplaced)}.",
                    [ctx.at(key) for key in misplaced],
                    count=len(misplaced),
                )


class TimeoutVsMiniBatch(DeploymentCheck):
    code = "BTD132"
    name = "timeout-vs-mini-batch"
    category = Category.TIMEOUT
    severity = Severity.WARNING
    role = Role.ADVICE
    title = "The retry timeout leaves little time per file of a mini-batch"
    remedy = (
        "Raise settings.retry_settings.timeout (seconds for one whole mini-batch; default 30) or lower "
        "mini_batch_size, so that one run() call comfortably finishes within the timeout."
    )
    docs_url = f"{TROUBLESHOOT_URL}#the-run-function-in-the-entry-script-had-timeout-for-number-times"
    what = "retry_settings.timeout divided by mini_batch_size leaves only a second or two per file."
    why = (
        "The timeout applies to one run() call over the whole mini-batch. When it is too short, mini-batches time "
        "out and are retried (max_retries, default 3) until the job fails with 'The run() function in the entry "
        "script had timeout for 3 times.'"
    )
    example = "mini_batch_size: 100 with the default retry timeout of 30 s: 0.3 s per file"
    phase = 45

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        timeout = ctx.setting("retry_settings.timeout")
        size = ctx.setting("mini_batch_size")
        seconds, files = _int(timeout.value), _int(size.value)
        if seconds is None or files is None or seconds < 1 or files < 1:
            return
        per_file = seconds / files
        level = grade(per_file, SECONDS_PER_FILE)
        if level is None:
            return
        default = " (the default)" if not timeout.declared else ""
        yield self.make(
            f"retry_settings.timeout is {seconds} s{default} for mini-batches of {files} files: {per_file:.2g} s per "
            "file for reading, scoring and returning it, or the mini-batch times out and is retried.",
            [ctx.setting_evidence("retry_settings.timeout"), ctx.setting_evidence("mini_batch_size")],
            severity=min(level, Severity.WARNING),
        )


class InvalidSettingValue(DeploymentCheck):
    code = "BTD133"
    name = "invalid-setting-value"
    category = Category.CONFIGURATION
    title = "A setting has a value the service does not accept"
    remedy = (
        "Use whole numbers: mini_batch_size, max_concurrency_per_instance and instance_count of 1 or more, "
        "max_retries of 0 or more, a timeout in seconds, error_threshold of -1 or more; output_action append_row or "
        "summary_only."
    )
    docs_url = YAML_URL
    what = "A numeric setting is not a whole number or is out of range, or output_action is not a known action."
    why = "The CLI or the service rejects the deployment, or the driver cannot start with it."
    example = "mini_batch_size: 0  /  error_threshold: -5  /  timeout: 30s  /  output_action: append"
    phase = 41

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        for name, (minimum, wanted) in INTEGER_RULES.items():
            setting = ctx.setting(name)
            if not setting.declared:
                continue
            value = _int(setting.value)
            if value is None or value < minimum:
                yield self.make(
                    f"{name} is {setting.text}; it must be {wanted}.",
                    [ctx.setting_evidence(name)],
                    group_key=name,
                )
        action = ctx.setting("output_action")
        if action.declared and scalar_text(action.value).lower() not in OUTPUT_ACTIONS:
            yield self.make(
                f"output_action is {action.text}; it must be append_row or summary_only.",
                [ctx.setting_evidence("output_action")],
                group_key="output_action",
            )
        for keys in (("settings", "environment_variables"), ("environment_variables",)):
            if ctx.yaml.has(*keys) and not isinstance(ctx.yaml.get(*keys), (dict, type(None))):
                yield self.make("environment_variables must be a mapping of names to values.", [ctx.at(*keys)])


class UnknownKey(DeploymentCheck):
    code = "BTD134"
    name = "unknown-key"
    category = Category.CONFIGURATION
    title = "A key is not part of the batch deployment schema"
    remedy = (
        "Rename or remove the key; settings of ParallelRunConfig and parallel jobs have other names in a batch "
        "deployment (process_count_per_node is max_concurrency_per_instance, node_count is resources.instance_count, "
        "run_invocation_timeout is retry_settings.timeout, mini_batch_error_threshold is error_threshold)."
    )
    docs_url = YAML_URL
    what = "The YAML has a key the batch deployment schema does not define (often a v1 ParallelRunConfig name)."
    why = "The CLI validates the YAML strictly and rejects the deployment with 'Unknown field.'"
    example = "settings: {process_count_per_node: 4}  # a deployment calls it max_concurrency_per_instance"
    phase = 42

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        if ctx.deployment_type not in (None, "model"):
            return
        data = ctx.yaml.data
        allowed = MODEL_ROOT_KEYS if ctx.deployment_type == "model" else LEGACY_ROOT_KEYS
        handled = SETTINGS_KEYS if ctx.deployment_type == "model" else frozenset({"settings"})
        for key in data:
            if key not in allowed and key not in handled:
                yield self._unknown((key,), ctx)
        nested = (
            (("settings",), SETTINGS_KEYS),
            (("settings", "retry_settings"), RETRY_KEYS),
            (("retry_settings",), RETRY_KEYS),
            (("resources",), RESOURCES_KEYS),
            (("code_configuration",), CODE_CONFIGURATION_KEYS),
        )
        for parent, keys in nested:
            value = ctx.yaml.get(*parent)
            if not isinstance(value, dict):
                continue
            for key in value:
                if key not in keys:
                    yield self._unknown((*parent, key), ctx)

    def _unknown(self, keys: tuple[Any, ...], ctx: DeploymentContext) -> Finding:
        dotted = ".".join(str(k) for k in keys)
        leaf = str(keys[-1])
        hint = FOREIGN_NAMES.get(leaf)
        if hint and hint.split(" ")[0] == dotted.removeprefix("settings."):
            hint = None
        detail = f"; a batch deployment calls it {hint}" if hint else ""
        return self.make(
            f"'{dotted}' is not a batch deployment key{detail}. The CLI rejects it as an unknown field.",
            [ctx.at(*keys)],
            group_key=dotted,
        )


class ConcurrencyVsInstance(DeploymentCheck):
    code = "BTD135"
    name = "concurrency-vs-instance"
    category = Category.COMPUTE
    severity = Severity.WARNING
    role = Role.ADVICE
    title = "max_concurrency_per_instance does not fit the VM size"
    remedy = (
        "On GPU VMs use one process per GPU (max_concurrency_per_instance = number of GPUs); on CPU VMs stay at or "
        "below the number of vCPUs and keep enough memory per process; or pick a bigger VM size."
    )
    docs_url = PRS_URL
    what = (
        "max_concurrency_per_instance (processes per node) is more than the VM's GPUs or vCPUs, leaves GPUs idle, "
        "or leaves little memory for each process."
    )
    why = (
        "Each worker process gets its own GPU through CUDA_VISIBLE_DEVICES; processes beyond the GPU count get none "
        "and run on CPU. More processes than vCPUs starve each other ('Stop for run() unable to finish'), and "
        "little memory per process ends in processes killed with exit -9."
    )
    example = "instance type Standard_NC6s_v3 (1 GPU) with max_concurrency_per_instance: 4"
    phase = 46

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        vm = lookup(ctx.instance_type)
        processes = _int(ctx.setting("max_concurrency_per_instance").value)
        if vm is None or processes is None or processes < 1:
            return
        where = (
            ctx.at(*ctx.instance_type_keys) if ctx.instance_type_keys else Evidence("--instance-type", None, vm.name)
        )
        evidence = [ctx.setting_evidence("max_concurrency_per_instance"), where]
        if vm.gpus and processes > vm.gpus:
            extra = processes - vm.gpus
            verbs = "gets no GPU and runs" if extra == 1 else "get no GPU and run"
            yield self.make(
                f"{processes} processes per node on {vm.name}, which has {vm.gpus} GPU"
                f"{'s' if vm.gpus > 1 else ''}: {extra} of them {verbs} on CPU.",
                evidence,
            )
        elif not vm.gpus and processes > vm.vcpus:
            yield self.make(
                f"{processes} processes per node on {vm.name}, which has {vm.vcpus} vCPU"
                f"{'s' if vm.vcpus > 1 else ''}: the processes compete for CPU and mini-batches time out.",
                evidence,
            )
        elif vm.gpus and processes < vm.gpus:
            yield self.make(
                f"{processes} process{'es' if processes > 1 else ''} per node on {vm.name}, which has {vm.gpus} "
                f"GPUs: {vm.gpus - processes} GPU{'s' if vm.gpus - processes > 1 else ''} stay idle.",
                evidence,
                severity=Severity.INFO,
            )
        per_process = vm.memory_gib / processes
        if per_process < MEMORY_PER_PROCESS_GIB:
            yield self.make(
                f"{processes} processes share {vm.memory_gib:g} GiB on {vm.name}: about {per_process:.1f} GiB each, "
                "little for loading a model and a mini-batch.",
                evidence,
                severity=Severity.INFO,
            )


class OutputSettings(DeploymentCheck):
    code = "BTD136"
    name = "output-settings"
    category = Category.OUTPUT
    severity = Severity.WARNING
    title = "output_action and output_file_name do not fit together"
    remedy = (
        "With summary_only, drop output_file_name and write your own files to AZUREML_BI_OUTPUT_PATH; with "
        "append_row, give output_file_name a plain file name (predictions.csv): the rows returned by run() are "
        "written to it as text."
    )
    docs_url = OUTPUT_URL
    what = (
        "output_file_name is set with output_action summary_only (where it is ignored), or with append_row it is a "
        "path or has an extension that suggests another format (.parquet, .json)."
    )
    why = (
        "With summary_only no predictions file is written, so the name does nothing (the older YAML form is even "
        "rejected: 'When output_action is set to summary_only, the output_file_name need not to be specified.'). "
        "append_row always writes the returned rows as delimited text, whatever the file's extension."
    )
    example = "output_action: summary_only\noutput_file_name: predictions.csv"
    phase = 60

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        action = scalar_text(ctx.setting("output_action").value).lower()
        name = ctx.setting("output_file_name")
        if not name.declared:
            return
        evidence = [ctx.setting_evidence("output_file_name"), ctx.setting_evidence("output_action")]
        if action == "summary_only":
            legacy = ctx.deployment_type is None
            yield self.make(
                f"output_file_name {name.text} is set with output_action summary_only, which writes no "
                "predictions file"
                + (": the CLI rejects this combination in the YAML's older form." if legacy else ": it is ignored."),
                evidence,
                severity=Severity.ERROR if legacy else Severity.WARNING,
            )
            return
        if action != "append_row":
            return
        text = scalar_text(name.value)
        if "/" in text or "\\" in text:
            yield self.make(
                f"output_file_name '{text}' is a path: it names a file inside the job's output folder; set the "
                "folder with the invocation's --output-path.",
                evidence,
            )
            return
        suffix = text[text.rfind(".") :].lower() if "." in text else ""
        if suffix not in APPEND_ROW_SUFFIXES:
            yield self.make(
                f"output_file_name '{text}' suggests another format, but append_row writes the rows run() returns as "
                "delimited text; to write "
                + (f"{suffix.lstrip('.')} files" if suffix else "other formats")
                + " use summary_only and write them from run().",
                evidence,
            )


class LoggingLevel(DeploymentCheck):
    code = "BTD137"
    name = "logging-level"
    category = Category.CONFIGURATION
    title = "logging_level is not warning, info or debug"
    remedy = "Set logging_level to warning, info (the default) or debug."
    docs_url = YAML_URL
    what = "logging_level has a value outside the documented warning, info and debug."
    why = (
        "The driver sets the Python logging level from it; an unknown name fails the job at start-up, and levels "
        "above warning hide the messages you need to troubleshoot."
    )
    example = "logging_level: verbose"
    phase = 43

    def check(self, ctx: DeploymentContext) -> Iterable[Finding]:
        setting = ctx.setting("logging_level")
        if not setting.declared:
            return
        value = scalar_text(setting.value).lower()
        if value in LOGGING_LEVELS:
            return
        if value in PYTHON_LOGGING_LEVELS:
            yield self.make(
                f"logging_level is {setting.text}: a Python level, but not one of the documented warning, info "
                "and debug; it hides the driver's progress messages.",
                [ctx.setting_evidence("logging_level")],
                severity=Severity.WARNING,
            )
            return
        yield self.make(
            f"logging_level is {setting.text}, which is not a logging level: use warning, info or debug.",
            [ctx.setting_evidence("logging_level")],
        )
