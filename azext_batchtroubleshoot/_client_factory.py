"""Build an ``azure.ai.ml.MLClient`` from the CLI's login and active cloud (never DefaultAzureCredential)."""

from __future__ import annotations

from typing import Any

# Clouds azure-ai-ml knows by name; for any other cloud it needs the endpoints (``cloud_metadata``).
SDK_CLOUDS = ("AzureCloud", "AzureChinaCloud", "AzureUSGovernment")


def cloud_kwargs(cli_cloud: Any) -> dict[str, Any]:
    """``MLClient(cloud=..., cloud_metadata=...)`` for the CLI's active cloud (``az cloud set``)."""
    name = getattr(cli_cloud, "name", None)
    if not name:
        return {}
    if name in SDK_CLOUDS:
        return {"cloud": name}
    endpoints = cli_cloud.endpoints
    suffixes = cli_cloud.suffixes
    portal = getattr(endpoints, "portal", None) or ""
    # The studio lives next to the portal (portal.azure.us -> ml.azure.us); public cloud values otherwise.
    suffix = portal.split("portal.azure.", 1)[1].strip("/") if "portal.azure." in portal else "com"
    resource_manager = endpoints.resource_manager
    return {
        "cloud": name,
        "cloud_metadata": {
            "azure_portal": portal or "https://portal.azure.com/",
            "resource_manager": resource_manager if resource_manager.endswith("/") else resource_manager + "/",
            "active_directory": endpoints.active_directory,
            "aml_resource_id": f"https://ml.azure.{suffix}/",
            "storage_endpoint": suffixes.storage_endpoint,
            "registry_discovery_endpoint": f"https://eastus.api.azureml.{'ms' if suffix == 'com' else suffix}/",
        },
    }


def sdk_retry_kwargs() -> dict[str, Any]:
    """azure-core retry settings for the SDK's pipelines (shortened by the tests through the environment)."""
    from azext_batchtroubleshoot.azure.settings import Settings

    settings = Settings.from_env()
    return {"retry_backoff_factor": settings.backoff, "retry_total": settings.retries}


def login_credentials(cli_ctx: Any, subscription_id: str | None) -> tuple[Any, str, str]:
    """(credential, subscription id, tenant id) of the signed-in account; raises when nobody is signed in."""
    from azure.cli.core._profile import Profile

    from azext_batchtroubleshoot.azure.errors import SIGN_IN, AzureCallError

    try:
        credential, subscription, tenant = Profile(cli_ctx=cli_ctx).get_login_credentials(
            subscription_id=subscription_id
        )
    except Exception as exc:
        raise AzureCallError(SIGN_IN, exc) from exc
    return credential, str(subscription), str(tenant)


def cf_ml_client(
    cli_ctx: Any, subscription_id: str, resource_group_name: str, workspace_name: str, credential: Any
) -> Any:
    from azure.ai.ml import MLClient

    from azext_batchtroubleshoot._version import VERSION

    return MLClient(
        credential,
        subscription_id,
        resource_group_name,
        workspace_name,
        show_progress=False,
        enable_telemetry=False,
        user_agent=f"az-batchtroubleshoot/{VERSION}",
        **cloud_kwargs(getattr(cli_ctx, "cloud", None)),
        **sdk_retry_kwargs(),
    )
