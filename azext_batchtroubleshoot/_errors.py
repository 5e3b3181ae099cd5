"""The one place where failures become Azure CLI errors (azclierror types), each with a recommendation.

Core errors carry their own message. Azure failures arrive as :class:`AzureCallError` (what we were doing, on which
workspace/job/storage account, and the SDK's exception) and are explained here: not signed in, job / workspace /
resource group not found, a missing role, the service or the network failing, an interrupted download. Every text
goes through ``redact()`` and is reduced to one line, so no token, key or SAS signature can leak.
"""

from __future__ import annotations

import json
import re
from typing import Any

from azure.cli.core.azclierror import (
    AuthenticationError,
    AzCLIError,
    AzureConnectionError,
    AzureInternalError,
    AzureResponseError,
    FileOperationError,
    ForbiddenError,
    InvalidArgumentValueError,
    ResourceNotFoundError,
)

from azext_batchtroubleshoot.core.errors import BatchTroubleshootError, InputFileError, LogFolderError, ReportWriteError
from azext_batchtroubleshoot.logs.redact import redact

WORKSPACE_ROLE = "AzureML Data Scientist"
STORAGE_ROLE = "Storage Blob Data Reader"
_ACTION_RE = re.compile(r"perform action '([^']+)'")
# operation -> (while ..., not allowed to ...)
_DOING = {
    "get-job": ("reading job '{job}'", "read job '{job}'"),
    "list-children": ("listing the steps of job '{job}'", "list the steps of job '{job}'"),
    "run-details": ("reading the run details of '{job}'", "read the run details of '{job}'"),
    "list-logs": ("listing the log files of '{job}'", "list the log files of '{job}'"),
    "read-log": ("downloading the log files of '{job}'", "download the log files of '{job}'"),
    "sign-in": ("getting your Azure credentials", "get your Azure credentials"),
}


def translate(exc: Exception) -> Exception:
    from azext_batchtroubleshoot.azure.errors import AzureCallError, DownloadFolderError, DownloadInterruptedError

    if isinstance(exc, AzCLIError):
        return exc
    if isinstance(exc, AzureCallError):
        return _azure_call(exc)
    if isinstance(exc, DownloadInterruptedError):
        return AzureConnectionError(_clean(exc.message), _clean(exc.recommendation))
    if isinstance(exc, BatchTroubleshootError):
        kind: type[AzCLIError] = InvalidArgumentValueError
        if isinstance(exc, LogFolderError):
            kind = ResourceNotFoundError if "does not exist" in exc.message else InvalidArgumentValueError
        elif isinstance(exc, (InputFileError, ReportWriteError, DownloadFolderError)):
            kind = FileOperationError
        return kind(_clean(exc.message), _clean(exc.recommendation))
    if _is_azure_sdk_error(exc):
        return _azure_call(AzureCallError("call", exc))
    return exc


def _clean(text: str | None) -> str | None:
    """Redacted, on one line (azclierror messages must not contain newlines)."""
    if text is None:
        return None
    return " ".join(redact(str(text)).split())


def _is_azure_sdk_error(exc: BaseException) -> bool:
    from azure.core.exceptions import AzureError

    return isinstance(exc, AzureError) or type(exc).__module__.startswith("azure.ai.ml")


# --------------------------------------------------------------------------------------------------- SDK details


def _error_parts(cause: BaseException) -> tuple[str | None, str]:
    """(error code, first line of the service's message) of an azure-core / storage / azure-ai-ml exception."""
    code = getattr(cause, "error_code", None)
    odata = getattr(cause, "error", None)
    message = None
    if odata is not None:
        code = code or getattr(odata, "code", None)
        message = getattr(odata, "message", None)
    response = getattr(cause, "response", None)
    if (code is None or message is None) and response is not None:
        try:
            body = json.loads(response.text())
            error = body.get("error", body) if isinstance(body, dict) else {}
            if isinstance(error, dict):
                code = code or error.get("code")
                message = message or error.get("message")
        except Exception:  # noqa: BLE001 - an unreadable body just means less detail
            pass
    if isinstance(code, str) and code.lower() == "usererror" and response is not None:
        inner = _inner_code(response)
        code = inner or code
    text = message or getattr(cause, "message", None) or str(cause)
    first = str(text).strip().split("\n", 1)[0]
    return (str(code) if code else None), first


def _inner_code(response: Any) -> str | None:
    try:
        inner = json.loads(response.text()).get("error", {}).get("innerError")
    except Exception:  # noqa: BLE001 - no inner code, no problem
        return None
    last = None
    while isinstance(inner, dict) and inner.get("code"):
        last = inner["code"]
        inner = inner.get("innerError")
    return str(last) if last else None


def _azure_call(exc: Any) -> AzCLIError:
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError

    from azext_batchtroubleshoot.azure.errors import SIGN_IN, is_transient, status_of

    cause: BaseException = exc.cause
    ws = exc.workspace
    doing, verb = (t.format(job=exc.job or "?") for t in _DOING.get(exc.operation, ("calling Azure", "call Azure")))
    status = status_of(cause)
    code, message = _error_parts(cause)
    where = ws.describe() if ws is not None else "the workspace"

    if exc.operation == SIGN_IN:
        return _sign_in(cause)
    if isinstance(cause, ClientAuthenticationError) or status == 401:
        return AuthenticationError(
            _clean(f"Azure did not accept your sign-in while {doing}: {message}"),
            recommendation="Your login has probably expired: run 'az login' (or 'az login --identity' on an Azure "
            "resource) and try again.",
        )
    if status == 404:
        return _not_found(exc, code, message)
    if status == 403:
        return _forbidden(exc, code, message, verb)
    if isinstance(cause, (ServiceRequestError, ServiceResponseError)) and not status:
        ssl = "ssl" in message.lower() or "certificate" in message.lower()
        return AzureConnectionError(
            _clean(f"Could not reach Azure while {doing}: {message}"),
            "Check the network, proxy (HTTPS_PROXY) and firewall, then try again."
            + (" For a TLS-inspecting proxy, point REQUESTS_CA_BUNDLE at its CA certificate." if ssl else ""),
        )
    if is_transient(cause):
        tail = f" (HTTP {status}{' ' + code if code else ''})" if status else f" ({type(cause).__name__})"
        kind: type[AzCLIError] = AzureInternalError if status and status >= 500 else AzureConnectionError
        return kind(
            _clean(f"Azure ML kept failing while {doing}{tail}, even after retrying with back-off: {message}"),
            "This is usually temporary: try again in a few minutes, and check https://azure.status.microsoft for "
            "incidents. Run with --debug to see each request.",
        )
    if type(cause).__module__.startswith("azure.ai.ml"):
        kind = InvalidArgumentValueError if "Validation" in type(cause).__name__ else AzureResponseError
        return kind(_clean(f"Azure ML could not complete {doing} in {where}: {message}"), None)
    detail = f"HTTP {status} {code or ''}".strip() if status else type(cause).__name__
    return AzureResponseError(
        _clean(f"Azure ML refused {doing} in {where} ({detail}): {message}"),
        "Run the command again with --debug to see the request and the full answer.",
    )


def _sign_in(cause: BaseException) -> AzCLIError:
    text = str(getattr(cause, "error_msg", None) or cause)
    if "not found" in text.lower() and "subscription" in text.lower():
        return InvalidArgumentValueError(
            _clean(text),
            "List the subscriptions you can use with 'az account list -o table' and pass --subscription, or "
            "select one with 'az account set --subscription <id>'.",
        )
    return AuthenticationError(  # its second positional parameter is msal_error, not the recommendation
        _clean(f"You are not signed in to Azure ({text.strip().split(chr(10))[0]})"),
        recommendation="Run 'az login' (or 'az login --identity' on an Azure resource with a managed identity), "
        "then try again.",
    )


def _not_found(exc: Any, code: str | None, message: str) -> AzCLIError:
    ws = exc.workspace
    lowered = message.lower()
    if ws is not None and code == "ResourceGroupNotFound":
        return ResourceNotFoundError(
            _clean(f"Resource group '{ws.resource_group}' was not found in subscription '{ws.subscription_id}'."),
            "Check --resource-group/-g (or the default set with 'az configure --defaults group=<name>') and "
            "--subscription.",
        )
    workspace_gone = code in ("ParentResourceNotFound", "WorkspaceNotFound") or (
        code == "ResourceNotFound" and "workspaces/" in lowered
    )
    if ws is not None and workspace_gone:
        return ResourceNotFoundError(
            _clean(
                f"Workspace '{ws.name}' was not found in resource group '{ws.resource_group}' "
                f"(subscription '{ws.subscription_id}')."
            ),
            f"Check --workspace-name/-w (or 'az configure --defaults workspace=<name>'); 'az ml workspace list -g "
            f"{ws.resource_group} -o table' lists the workspaces.",
        )
    if exc.operation in ("list-logs", "read-log"):
        return ResourceNotFoundError(
            _clean(f"The log files of '{exc.job}' were not found in the workspace's artifact store: {message}"),
            "The job may have been deleted or its artifacts cleaned up; check it in the studio.",
        )
    where = ws.describe() if ws is not None else "the workspace"
    rg = f" -g {ws.resource_group} -w {ws.name}" if ws is not None else ""
    return ResourceNotFoundError(
        _clean(f"Job '{exc.job}' was not found in {where}."),
        f"Check the name: 'az ml job list{rg} --query \"[].name\" -o tsv' lists the jobs, and "
        "'az ml batch-endpoint list-jobs --name <endpoint>' the jobs of a batch endpoint. Use -g/-w (or "
        "'az configure --defaults group=<rg> workspace=<ws>') if the job is in another workspace.",
    )


def _forbidden(exc: Any, code: str | None, message: str, verb: str) -> AzCLIError:
    ws = exc.workspace
    if exc.operation in ("list-logs", "read-log"):
        account = exc.storage_account or "the workspace's storage account"
        return ForbiddenError(
            _clean(
                f"You are not allowed to read the log files of '{exc.job}' in storage account '{account}' "
                f"(HTTP 403{' ' + code if code else ''})."
            ),
            f"Ask an owner for the '{STORAGE_ROLE}' role on storage account '{account}' (or on its 'azureml' "
            "container), then try again.",
        )
    action = _ACTION_RE.search(message)
    missing = f": the signed-in identity lacks '{action.group(1)}'" if action else ""
    where = ws.describe() if ws is not None else "the workspace"
    scope = f" --scope {ws.arm_id}" if ws is not None else ""
    return ForbiddenError(
        _clean(f"You are not allowed to {verb} in {where}{missing} (HTTP 403{' ' + code if code else ''})."),
        f"Ask an owner of the workspace for the '{WORKSPACE_ROLE}' role (or at least 'Reader' to read jobs) on "
        f'the workspace: az role assignment create --role "{WORKSPACE_ROLE}" --assignee <your user or app id>'
        f"{scope}",
    )
