"""``check invoke``'s one question for the workspace: does the output location already hold results?

Resolves the datastore of ``--output-path`` with the SDK (``datastores.get``, then the same credential lookup the
SDK uses for uploads and downloads: a SAS or account key from the datastore, or the signed-in identity) and lists
the blobs under the output folder.  Nothing is read or written; at most ``LIMIT`` names are listed.
"""

from __future__ import annotations

from typing import Any

from ..checks.invoke import OutputState, OutputTarget

LIMIT = 1000
SHOWN = 10


def check_output_location(
    cli_ctx: Any, resource_group: str, workspace: str, target: OutputTarget
) -> tuple[OutputState | None, str | None]:
    """(what the workspace says, None) or (None or a partial state, why the location could not be checked)."""
    from azext_batchtroubleshoot._client_factory import cf_ml_client, login_credentials

    try:
        credential, subscription, _tenant = login_credentials(cli_ctx, cli_ctx.data.get("subscription_id"))
    except Exception:  # noqa: BLE001 - not signed in is an answer, not a crash
        return OutputState(checked=False, error="not signed in"), "you are not signed in ('az login')"
    try:
        client = cf_ml_client(cli_ctx, subscription, resource_group, workspace, credential)
        state = probe_output(client, target)
    except Exception as exc:  # noqa: BLE001 - any SDK failure becomes a note in the report
        return OutputState(checked=False, error=_short(exc)), f"the workspace could not be read ({_short(exc)})"
    return state, None


def probe_output(client: Any, target: OutputTarget) -> OutputState:
    """List ``target.folder`` in its datastore; a missing datastore is an answer (``datastore_found=False``)."""
    from azure.ai.ml._artifacts._artifact_utilities import get_datastore_info
    from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
    from azure.storage.blob import ContainerClient

    name = str(target.datastore)
    try:
        datastore = client.datastores.get(name)
    except ResourceNotFoundError:
        return OutputState(checked=True, datastore_found=False)
    except HttpResponseError as exc:
        if exc.status_code == 404:
            return OutputState(checked=True, datastore_found=False)
        raise
    kind = getattr(datastore, "type", None)
    kind_text = str(getattr(kind, "value", kind) or "")
    state = OutputState(checked=True, datastore_type=kind_text or None)
    if kind_text.lower() not in ("azureblob", "azure_blob"):
        return state
    info = get_datastore_info(client.datastores, name)
    container = ContainerClient(info["account_url"], info["container_name"], credential=info["credential"])
    prefix = f"{target.folder}/" if target.folder else ""
    state.location = f"{info.get('storage_account')}/{info['container_name']}/{prefix}"
    wanted = target.file_path
    for blob in container.list_blobs(name_starts_with=prefix, results_per_page=LIMIT):
        blob_name = str(blob.name)
        if _is_folder_marker(blob):
            continue
        if blob_name == wanted:
            state.file_exists = True
        state.total += 1
        if len(state.existing) < SHOWN:
            state.existing.append(blob_name[len(prefix) :])
        if state.total >= LIMIT:
            break
    return state


def _is_folder_marker(blob: Any) -> bool:
    metadata = getattr(blob, "metadata", None) or {}
    return str(metadata.get("hdi_isfolder", "")).lower() == "true"


def _short(exc: BaseException) -> str:
    from ..logs.redact import redact

    text = redact(" ".join(str(exc).split()))
    first = text.split(". ", 1)[0]
    return f"{type(exc).__name__}: {first[:200]}"
