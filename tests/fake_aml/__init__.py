"""Fake Azure Machine Learning service for end-to-end tests (HTTPS on loopback with a throw-away certificate).

In-process use::

    from tests.fake_aml import StaticTokenCredential, fixtures, localhost_resolution, running_fake_aml

    with running_fake_aml() as fake:            # starts the server with the default fixtures
        os.environ.update(fake.sdk_env())       # ARM_CLOUD_METADATA_URL, REQUESTS_CA_BUNDLE, SSL_CERT_FILE
        with localhost_resolution():            # *.localhost -> 127.0.0.1 (blob host)
            ml = MLClient(StaticTokenCredential(), SUBSCRIPTION_ID, RESOURCE_GROUP, WORKSPACE)
            ml.jobs.get(fixtures.FAILED)
        fake.requests("predictions.csv")        # request log
        fake.add_fault(r"/jobs/x", "status", status=429, retry_after=1, count=2)

Standalone: ``python -m tests.fake_aml`` (from the project root) prints the ``export`` lines.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import fixtures
from .credential import StaticTokenCredential
from .localhost_dns import install as install_localhost_resolution
from .localhost_dns import localhost_resolution
from .localhost_dns import uninstall as uninstall_localhost_resolution
from .server import (
    ARTIFACT_CONTAINER,
    BLOBSTORE_CONTAINER,
    CLOUD_NAME,
    RESOURCE_GROUP,
    STORAGE_ACCOUNT,
    STORAGE_KEY,
    SUBSCRIPTION_ID,
    TENANT_ID,
    WORKSPACE,
    FakeAmlServer,
    Fault,
    PatternContent,
    RequestRecord,
    make_fake_jwt,
    prepare_az_config_dir,
)

__all__ = [
    "ARTIFACT_CONTAINER",
    "BLOBSTORE_CONTAINER",
    "CLOUD_NAME",
    "RESOURCE_GROUP",
    "STORAGE_ACCOUNT",
    "STORAGE_KEY",
    "SUBSCRIPTION_ID",
    "TENANT_ID",
    "WORKSPACE",
    "FakeAmlServer",
    "Fault",
    "PatternContent",
    "RequestRecord",
    "StaticTokenCredential",
    "fixtures",
    "forget_sdk_cloud",
    "install_localhost_resolution",
    "localhost_resolution",
    "make_fake_jwt",
    "prepare_az_config_dir",
    "running_fake_aml",
    "uninstall_localhost_resolution",
]


def forget_sdk_cloud() -> None:
    """Drop what azure-ai-ml cached about the fake cloud (cheap: does nothing unless the SDK is already imported).

    azure-ai-ml keeps clouds in a module-level dict keyed by name and sets ``AZUREML_CURRENT_CLOUD``. Every fake uses
    the same cloud name, so after ``MLClient(cloud=CLOUD_NAME, cloud_metadata=...)`` against one fake instance,
    another instance (other port, other CA) would otherwise be reached at the first one's address.
    """
    environments = sys.modules.get("azure.ai.ml._azure_environments")
    if environments is not None:
        environments._environments.pop(CLOUD_NAME, None)  # private: the SDK offers no public way
    if os.environ.get("AZUREML_CURRENT_CLOUD") == CLOUD_NAME:
        del os.environ["AZUREML_CURRENT_CLOUD"]


@contextmanager
def running_fake_aml(
    *,
    port: int = 0,
    proxy: bool = True,
    default_fixtures: bool = True,
    data_dir: str | os.PathLike[str] | None = None,
    predictions_size: int = 50 * fixtures.MB,
    workdir: str | os.PathLike[str] | None = None,
    request_log_file: str | os.PathLike[str] | None = None,
) -> Iterator[FakeAmlServer]:
    """Start the fake (TLS server + CONNECT proxy) with the default fixtures; stop it and delete keys on exit.

    ``workdir`` (default: a new temp dir, removed afterwards) receives ``tls/{ca,cert,key,bundle}.pem``.
    """
    own_dir = workdir is None
    directory = Path(tempfile.mkdtemp(prefix="fake-aml-")) if workdir is None else Path(workdir)
    fake = FakeAmlServer(directory, port=port, proxy=proxy, request_log_file=request_log_file)
    try:
        if default_fixtures:
            fake.on_reset(
                lambda f: fixtures.load_default_fixtures(f, data_dir=data_dir, predictions_size=predictions_size)
            )
        forget_sdk_cloud()
        with fake:
            yield fake
    finally:
        forget_sdk_cloud()
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)
