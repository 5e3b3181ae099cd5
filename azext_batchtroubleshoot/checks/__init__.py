"""Pre-flight checks: catch the known mistakes before a batch deployment is created or an endpoint is invoked.

The registry of checks, one explicit tuple per command, in the order they run.  Codes are stable and never reused:

* ``BTD1xx`` - ``check deployment``: BTD10x the model, BTD11x the scoring script, BTD12x the environment,
  BTD13x the settings, BTD190 what could not be checked offline.
* ``BTI1xx`` - ``check invoke``: BTI10x the input, BTI11x the output, BTI190 what was not checked.

Like the rules, checks never print, never import azure or knack, and never run user code.
"""

from __future__ import annotations

from typing import Any

from .base import Check
from .btd10x_model import CodeOrEnvironmentMissing, MissingOrInvalidKey, MlflowTypeMissing, ScriptWithoutEnvironment
from .btd11x_script import (
    EntryPointMissing,
    EntryPointSignature,
    OnlineStyleScript,
    RunReturnsNothing,
    ScoringScriptNotFound,
    ScoringScriptNotPython,
    ScoringScriptSyntaxError,
)
from .btd12x_environment import AzuremlCoreMissing, EnvironmentFileProblem, PipMissing, PkgResourcesSetuptools
from .btd13x_settings import (
    ConcurrencyVsInstance,
    InvalidSettingValue,
    LoggingLevel,
    OutputSettings,
    SettingsForm,
    TimeoutVsMiniBatch,
    UnknownKey,
)
from .btd190_not_checked import NotCheckedOffline
from .bti_invoke import (
    DataAssetVersionMissing,
    InputNotAccepted,
    InputTypeMismatch,
    InvokeNotChecked,
    LocalInputProblem,
    OutputAlreadyExists,
    OutputDatastoreProblem,
    OutputPathForm,
    WebInput,
)

DEPLOYMENT_CHECKS: tuple[Check[Any], ...] = (
    CodeOrEnvironmentMissing(),
    ScriptWithoutEnvironment(),
    MlflowTypeMissing(),
    MissingOrInvalidKey(),
    ScoringScriptNotFound(),
    ScoringScriptNotPython(),
    ScoringScriptSyntaxError(),
    EntryPointMissing(),
    EntryPointSignature(),
    RunReturnsNothing(),
    OnlineStyleScript(),
    EnvironmentFileProblem(),
    AzuremlCoreMissing(),
    PipMissing(),
    PkgResourcesSetuptools(),
    SettingsForm(),
    TimeoutVsMiniBatch(),
    InvalidSettingValue(),
    UnknownKey(),
    ConcurrencyVsInstance(),
    OutputSettings(),
    LoggingLevel(),
    NotCheckedOffline(),
)

INVOKE_CHECKS: tuple[Check[Any], ...] = (
    InputNotAccepted(),
    LocalInputProblem(),
    InputTypeMismatch(),
    WebInput(),
    DataAssetVersionMissing(),
    OutputPathForm(),
    OutputAlreadyExists(),
    OutputDatastoreProblem(),
    InvokeNotChecked(),
)

CHECKS: tuple[Check[Any], ...] = DEPLOYMENT_CHECKS + INVOKE_CHECKS

BY_CODE: dict[str, Check[Any]] = {check.code: check for check in CHECKS}


def find_check(code_or_name: str) -> Check[Any] | None:
    wanted = code_or_name.strip().lower()
    for check in CHECKS:
        if check.code.lower() == wanted or check.name == wanted:
            return check
    return None
