"""A fake Azure Machine Learning service (ARM + discovery + run history + datastores + blob) over HTTPS on loopback.

Only the REST surface that azure-ai-ml 1.35 and azure-cli 2.91 actually call for job inspection is served (the
call sequences are listed in README.md next to this file and pinned by tests/test_fake_aml.py). State lives in memory
(:class:`FakeAmlState`) and is shared by one TLS server (everything, routed by ``Host``) and an optional plain-HTTP
CONNECT proxy that only tunnels to the fake itself (a guard against any non-loopback traffic).

Python API: :class:`FakeAmlServer` (``start()``/``stop()`` or ``with``). Admin HTTP API on the same port, under
``/_admin/...`` (no auth, loopback only); see :meth:`_Handler._admin`.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email.utils
import hashlib
import json
import os
import re
import select
import socket
import ssl
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from .cert import CertPaths, generate_cert

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
RESOURCE_GROUP = "rg"
WORKSPACE = "ws"
LOCATION = "eastus"
CLOUD_NAME = "FakeAzureMLCloud"  # must not be a cloud azure-ai-ml hard-codes (AzureCloud, ...), see README notes
STORAGE_ACCOUNT = "devstoreaccount1"
# The well-known, publicly documented Azurite development key. Not a secret.
STORAGE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
ARTIFACT_CONTAINER = "azureml"
BLOBSTORE_CONTAINER = "azureml-blobstore-00000000-0000-0000-0000-000000000000"
WS_PATH = (
    f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}"
    f"/providers/Microsoft.MachineLearningServices/workspaces/{WORKSPACE}"
)
MI_CLIENT_ID = "22222222-2222-2222-2222-222222222222"
MI_PRINCIPAL_ID = "33333333-3333-3333-3333-333333333333"
DEFAULT_IDENTITY_HEADER = "fake-aml-identity-header"
TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Canceled", "NotResponding", "Paused"})
LOG_PREFIXES = ("logs/", "user_logs/", "system_logs/", "azureml-logs/")
_WS_RE = (
    r"/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)"
    r"/providers/microsoft\.machinelearningservices/workspaces/(?P<ws>[^/]+)"
)


def utc(text: str) -> dt.datetime:
    """Parse ``2024-05-12T10:00:00`` as UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_fake_jwt(
    audience: str, *, tenant_id: str = TENANT_ID, object_id: str = MI_PRINCIPAL_ID, ttl: int = 3600
) -> str:
    """An unsigned-looking JWT with the claims azure-cli and azure-ai-ml read (``tid``, ``oid``, ``exp``...)."""
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": "fake-aml"}
    claims = {
        "aud": audience,
        "iss": f"https://sts.windows.net/{tenant_id}/",
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "tid": tenant_id,
        "oid": object_id,
        "sub": object_id,
        "appid": MI_CLIENT_ID,
        "idtyp": "app",
        "xms_mirid": f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{RESOURCE_GROUP}/providers/fake/identity",
    }
    return ".".join(
        [_b64url(json.dumps(header).encode()), _b64url(json.dumps(claims).encode()), _b64url(b"fake-signature")]
    )


# --------------------------------------------------------------------------------------------------- blob content


class BlobContent(Protocol):
    @property
    def size(self) -> int: ...

    def read(self, start: int, end: int) -> bytes:
        """Bytes ``[start, end)``."""
        ...


class BytesContent:
    """Mutable in-memory content (log files can grow)."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = bytearray(data)

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, start: int, end: int) -> bytes:
        return bytes(self.data[start:end])


class PatternContent:
    """Large deterministic content computed on demand: fixed-width CSV rows, so any byte range is cheap."""

    HEADER = b"file,score\n"
    ROW_WIDTH = 27  # len(b"input_000000000.csv,000000\n")

    def __init__(self, size: int) -> None:
        self._size = size

    @property
    def size(self) -> int:
        return self._size

    def _row(self, index: int) -> bytes:
        return b"input_%09d.csv,%06d\n" % (index, (index * 7919) % 1000000)

    def read(self, start: int, end: int) -> bytes:
        end = min(end, self._size)
        if start >= end:
            return b""
        out = bytearray()
        pos = start
        header_len = len(self.HEADER)
        if pos < header_len:
            out += self.HEADER[pos : min(end, header_len)]
            pos = header_len
        while pos < end:
            row_index, offset = divmod(pos - header_len, self.ROW_WIDTH)
            take = min(self.ROW_WIDTH - offset, end - pos)
            out += self._row(row_index)[offset : offset + take]
            pos += take
        return bytes(out)


@dataclass
class Blob:
    content: BlobContent
    content_type: str = "application/octet-stream"
    metadata: dict[str, str] = field(default_factory=dict)
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    version: int = 1

    @property
    def etag(self) -> str:
        digest = hashlib.sha1(f"{id(self)}:{self.version}".encode()).hexdigest()[:13].upper()
        return f'"0x8DC{digest}"'


def content_type_for(name: str) -> str:
    lowered = name.lower()
    if lowered.endswith((".txt", ".log")):
        return "text/plain"
    if lowered.endswith(".csv"):
        return "text/csv"
    if lowered.endswith(".json"):
        return "application/json"
    return "application/octet-stream"


# --------------------------------------------------------------------------------------------------- jobs


@dataclass
class FakeJob:
    """One job / run. ``parent`` set means a pipeline step (ARM returns ``properties: null`` for it)."""

    name: str
    job_type: str = "Command"  # ARM jobType of top-level jobs: Command | Pipeline
    status: str = "Completed"
    display_name: str | None = None
    experiment_name: str = "default"
    parent: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None  # run-history ErrorResponse ({"error": {...}, ...})
    warnings: list[dict[str, str]] = field(default_factory=list)
    created: dt.datetime = field(default_factory=lambda: utc("2024-05-12T09:58:30"))
    started: dt.datetime | None = None
    ended: dt.datetime | None = None
    compute: str = "cpu-cluster"
    command: str = "python train.py"
    environment: str = "azureml://registries/azureml/environments/sklearn-1.5/versions/1"
    # outputs recorded in run history (name -> (asset id, resolved azureml:// uri))
    run_outputs: dict[str, tuple[str, str]] = field(default_factory=dict)
    access: str = "ok"  # ok | forbidden | missing
    run_number: int = 1
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def artifact_prefix(self) -> str:
        return f"ExperimentRun/dcid.{self.name}/"


@dataclass
class Fault:
    """Injected failure for requests whose ``METHOD path?query`` matches ``pattern`` (``re.search``)."""

    pattern: str
    kind: str = "status"  # status | delay | reset | truncate
    status: int = 503
    count: int = 1  # how many matching requests get the fault; -1 = forever
    method: str | None = None
    retry_after: str | None = None
    delay: float = 0.0
    body: dict[str, Any] | None = None
    hits: int = 0
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def matches(self, method: str, target: str) -> bool:
        if self.count == 0:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return re.search(self.pattern, target) is not None


@dataclass
class RequestRecord:
    seq: int
    time: float
    method: str
    host: str
    path: str
    query: str
    status: int = 0
    auth: str | None = None  # authorization scheme only (Bearer, SharedKey, SAS), never the secret
    range: str | None = None
    bytes_sent: int = 0
    fault: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FakeAmlState:
    """The in-memory workspace. All mutation goes through methods holding ``lock``."""

    def __init__(self, request_log_file: str | os.PathLike[str] | None = None) -> None:
        self.lock = threading.RLock()
        self.jobs: dict[str, FakeJob] = {}
        self.containers: dict[str, dict[str, Blob]] = {ARTIFACT_CONTAINER: {}, BLOBSTORE_CONTAINER: {}}
        self.faults: list[Fault] = []
        self.requests: list[RequestRecord] = []
        self.request_log_file = Path(request_log_file) if request_log_file else None
        self._seq = 0
        self._inflight = 0
        self._idle = threading.Condition(self.lock)
        self.on_tick: list[Callable[[FakeAmlState], None]] = []

    def begin_request(self) -> None:
        with self.lock:
            self._inflight += 1

    def end_request(self) -> None:
        with self.lock:
            self._inflight -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being handled (e.g. a delayed one whose client already gave up)."""
        with self.lock:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout)

    # ---- jobs
    def add_job(self, job: FakeJob) -> FakeJob:
        with self.lock:
            self.jobs[job.name] = job
        return job

    def children_of(self, name: str) -> list[FakeJob]:
        with self.lock:
            return sorted((j for j in self.jobs.values() if j.parent == name), key=lambda j: j.created)

    def set_status(self, name: str, status: str, error: dict[str, Any] | None = None) -> None:
        with self.lock:
            job = self.jobs[name]
            job.status = status
            if status in TERMINAL_STATUSES and job.ended is None:
                job.ended = dt.datetime.now(dt.timezone.utc)
            if status not in TERMINAL_STATUSES:
                job.ended = None
            if error is not None:
                job.error = error

    def set_access(self, name: str, access: str) -> None:
        if access not in ("ok", "forbidden", "missing"):
            raise ValueError(f"access must be ok|forbidden|missing, not {access!r}")
        with self.lock:
            self.jobs[name].access = access

    # ---- blobs
    def put_blob(
        self, container: str, name: str, content: bytes | BlobContent, content_type: str | None = None
    ) -> Blob:
        body: BlobContent = BytesContent(content) if isinstance(content, bytes | bytearray) else content
        with self.lock:
            blob = Blob(body, content_type or content_type_for(name))
            self.containers.setdefault(container, {})[name] = blob
            return blob

    def append_blob_text(self, container: str, name: str, text: str) -> Blob:
        with self.lock:
            blob = self.containers.setdefault(container, {}).get(name)
            if blob is None or not isinstance(blob.content, BytesContent):
                blob = self.put_blob(container, name, b"")
            assert isinstance(blob.content, BytesContent)
            blob.content.data += text.encode()
            blob.version += 1
            blob.modified = dt.datetime.now(dt.timezone.utc)
            return blob

    def append_log(self, job_name: str, path: str, text: str) -> Blob:
        """Append ``text`` to the artifact ``path`` (e.g. ``user_logs/std_log_0.txt``) of a run."""
        with self.lock:
            job = self.jobs[job_name]
            return self.append_blob_text(ARTIFACT_CONTAINER, job.artifact_prefix + path.lstrip("/"), text)

    def run_log_names(self, job: FakeJob) -> list[str]:
        with self.lock:
            names = [
                n[len(job.artifact_prefix) :]
                for n in self.containers.get(ARTIFACT_CONTAINER, {})
                if n.startswith(job.artifact_prefix)
            ]
        return sorted(n for n in names if n.startswith(LOG_PREFIXES))

    # ---- faults
    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, method: str, target: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, target):
                    fault.hits += 1
                    if fault.count > 0:
                        fault.count -= 1
                    return fault
        return None

    # ---- request log
    def record(self, record: RequestRecord) -> None:
        with self.lock:
            self.requests.append(record)
            if self.request_log_file:
                with self.request_log_file.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(record.to_dict()) + "\n")

    def next_seq(self) -> int:
        with self.lock:
            self._seq += 1
            return self._seq

    def clear_requests(self) -> None:
        with self.lock:
            self.requests.clear()

    def tick(self) -> None:
        for callback in list(self.on_tick):
            callback(self)


# --------------------------------------------------------------------------------------------------- JSON shapes


class Shapes:
    """Builds the JSON bodies, given the server's public URLs."""

    def __init__(self, state: FakeAmlState, base_url: str, storage_suffix: str) -> None:
        self.state = state
        self.base_url = base_url.rstrip("/")
        self.storage_suffix = storage_suffix

    @property
    def blob_account_url(self) -> str:
        return f"https://{STORAGE_ACCOUNT}.blob.{self.storage_suffix}"

    def cloud_metadata(self) -> dict[str, Any]:
        return {
            "name": CLOUD_NAME,
            "portal": "https://portal.azure.com",
            "authentication": {
                "loginEndpoint": self.base_url + "/",
                "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "media": "https://rest.media.azure.net",
            "graphAudience": "https://graph.windows.net/",
            "graph": "https://graph.windows.net/",
            "batch": "https://batch.core.windows.net/",
            "resourceManager": self.base_url + "/",
            "sqlManagement": "https://management.core.windows.net:8443/",
            "gallery": "https://gallery.azure.com/",
            "activeDirectoryDataLake": "https://datalake.azure.net/",
            "microsoftGraphResourceId": "https://graph.microsoft.com/",
            "appInsightsResourceId": "https://api.applicationinsights.io",
            "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
            "attestationResourceId": "https://attest.azure.net",
            "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
            "logAnalyticsResourceId": "https://api.loganalytics.io",
            "ossrdbmsResourceId": "https://ossrdbms-aad.database.windows.net",
            "suffixes": {
                "storage": self.storage_suffix,
                "keyVaultDns": "vault.localhost",
                "acrLoginServer": "azurecr.localhost",
                "sqlServerHostname": "database.localhost",
                "azureDataLakeStoreFileSystem": "azuredatalakestore.localhost",
                "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.localhost",
                "storageSyncEndpointSuffix": "afs.localhost",
                "mhsmDns": "managedhsm.localhost",
                "synapseAnalytics": "dev.azuresynapse.localhost",
                "attestationEndpoint": "attest.localhost",
            },
        }

    def subscription(self) -> dict[str, Any]:
        return {
            "id": f"/subscriptions/{SUBSCRIPTION_ID}",
            "authorizationSource": "RoleBased",
            "managedByTenants": [],
            "subscriptionId": SUBSCRIPTION_ID,
            "tenantId": TENANT_ID,
            "displayName": "Fake AML Subscription",
            "state": "Enabled",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off",
            },
        }

    def workspace(self) -> dict[str, Any]:
        rg_path = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers"
        return {
            "id": WS_PATH,
            "name": WORKSPACE,
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": LOCATION,
            "tags": {},
            "kind": "Default",
            "sku": {"name": "Basic", "tier": "Basic"},
            "identity": {"type": "SystemAssigned", "principalId": MI_PRINCIPAL_ID, "tenantId": TENANT_ID},
            "properties": {
                "friendlyName": WORKSPACE,
                "description": "Fake workspace served by tests/fake_aml",
                "storageAccount": f"{rg_path}/Microsoft.Storage/storageAccounts/{STORAGE_ACCOUNT}",
                "keyVault": f"{rg_path}/Microsoft.KeyVault/vaults/fakekv",
                "applicationInsights": f"{rg_path}/Microsoft.Insights/components/fakeai",
                "hbiWorkspace": False,
                "workspaceId": "44444444-4444-4444-4444-444444444444",
                "discoveryUrl": f"{self.base_url}/discovery",
                "mlFlowTrackingUri": f"azureml://{LOCATION}.api.azureml.ms/mlflow/v1.0{WS_PATH}",
                "provisioningState": "Succeeded",
                "publicNetworkAccess": "Enabled",
                "v1LegacyMode": False,
                "storageHnsEnabled": False,
                "enableDataIsolation": False,
            },
            "systemData": {
                "createdAt": "2024-01-02T03:04:05.0000000Z",
                "createdBy": "example@example.com",
                "createdByType": "User",
                "lastModifiedAt": "2024-01-02T03:04:05.0000000Z",
                "lastModifiedBy": "example@example.com",
                "lastModifiedByType": "User",
            },
        }

    def discovery(self) -> dict[str, Any]:
        return {
            "api": self.base_url,
            "catalog": self.base_url,
            "experimentation": self.base_url,
            "gallery": self.base_url,
            "history": self.base_url,
            "hyperdrive": self.base_url,
            "labeling": self.base_url,
            "modelmanagement": self.base_url,
            "pipelines": self.base_url,
            "studio": "https://ml.azure.com",
        }

    def datastore(self, name: str) -> dict[str, Any] | None:
        containers = {"workspaceblobstore": BLOBSTORE_CONTAINER, "workspaceartifactstore": ARTIFACT_CONTAINER}
        if name not in containers:
            return None
        return {
            "id": f"{WS_PATH}/datastores/{name}",
            "name": name,
            "type": "Microsoft.MachineLearningServices/workspaces/datastores",
            "properties": {
                "description": None,
                "tags": {},
                "properties": {},
                "isDefault": name == "workspaceblobstore",
                "credentials": {"credentialsType": "AccountKey"},
                "datastoreType": "AzureBlob",
                "accountName": STORAGE_ACCOUNT,
                "containerName": containers[name],
                "endpoint": self.storage_suffix,
                "protocol": "https",
                "serviceDataAccessAuthIdentity": "WorkspaceSystemAssignedIdentity",
            },
            "systemData": {"createdAt": "2024-01-02T03:04:05.0000000Z", "createdBy": "example@example.com"},
        }

    def _services(self, job: FakeJob) -> dict[str, Any]:
        wsid = f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{RESOURCE_GROUP}/workspaces/{WORKSPACE}"
        return {
            "Tracking": {
                "jobServiceType": "Tracking",
                "endpoint": f"azureml://{LOCATION}.api.azureml.ms/mlflow/v1.0{WS_PATH}?",
            },
            "Studio": {"jobServiceType": "Studio", "endpoint": f"https://ml.azure.com/runs/{job.name}?wsid={wsid}"},
        }

    def _system_data(self, job: FakeJob) -> dict[str, Any]:
        return {"createdAt": iso(job.created), "createdBy": "Example User", "createdByType": "User"}

    def arm_job(self, job: FakeJob) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": f"{WS_PATH}/jobs/{job.name}",
            "name": job.name,
            "type": "Microsoft.MachineLearningServices/workspaces/jobs",
            "systemData": self._system_data(job),
        }
        if job.parent is not None:
            body["properties"] = None  # what ARM returns for pipeline steps: the SDK then asks run history
            return body
        props: dict[str, Any] = {
            "description": None,
            "tags": dict(job.tags),
            "properties": dict(job.properties),
            "displayName": job.display_name or job.name,
            "status": job.status,
            "experimentName": job.experiment_name,
            "services": self._services(job),
            "computeId": None,
            "isArchived": False,
            "identity": None,
            "componentId": None,
            "notificationSetting": None,
            "jobType": job.job_type,
        }
        default_output = {
            "description": None,
            "uri": f"azureml://datastores/workspaceartifactstore/ExperimentRun/dcid.{job.name}",
            "mode": "ReadWriteMount",
            "jobOutputType": "uri_folder",
        }
        if job.job_type == "Pipeline":
            props.update({"inputs": {}, "outputs": {}, "jobs": {}, "settings": {}, "sourceJobId": None})
        else:
            props.update(
                {
                    "command": job.command,
                    "codeId": None,
                    "environmentId": job.environment,
                    "environmentVariables": {},
                    "computeId": f"{WS_PATH}/computes/{job.compute}",
                    "distribution": None,
                    "resources": {"instanceCount": 1, "shmSize": "2g"},
                    "limits": None,
                    "inputs": {},
                    "outputs": {"default": default_output},
                    "parameters": {},
                    "queueSettings": {"jobTier": "null"},
                }
            )
        body["properties"] = props
        return body

    def _user(self) -> dict[str, Any]:
        return {
            "userObjectId": "55555555-5555-5555-5555-555555555555",
            "userPuId": "1003200012345678",
            "userIdp": None,
            "userAltSecId": None,
            "userIss": f"https://sts.windows.net/{TENANT_ID}/",
            "userTenantId": TENANT_ID,
            "userName": "Example User",
            "upn": "example@example.com",
        }

    def _duration(self, job: FakeJob) -> str | None:
        if job.started is None:
            return None
        end = job.ended or dt.datetime.now(dt.timezone.utc)
        seconds = int((end - job.started).total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"

    def run(self, job: FakeJob) -> dict[str, Any]:
        root = job
        with self.state.lock:
            while root.parent is not None and root.parent in self.state.jobs:
                root = self.state.jobs[root.parent]
            parent = self.state.jobs.get(job.parent) if job.parent else None
        is_pipeline = job.parent is None and job.job_type == "Pipeline"
        return {
            "runNumber": job.run_number,
            "rootRunId": root.name,
            "createdUtc": iso(job.created),
            "createdBy": self._user(),
            "userId": "55555555-5555-5555-5555-555555555555",
            "token": None,
            "tokenExpiryTimeUtc": None,
            "error": job.error,
            "warnings": job.warnings or None,
            "revision": 7,
            "statusRevision": 3,
            "runUuid": job.uuid,
            "parentRunUuid": parent.uuid if parent else None,
            "rootRunUuid": root.uuid,
            "hasVirtualParent": False,
            "lastStartTimeUtc": None,
            "currentComputeTime": None,
            "computeDuration": self._duration(job),
            "effectiveStartTimeUtc": None,
            "lastModifiedBy": self._user(),
            "lastModifiedUtc": iso(job.ended or job.started or job.created),
            "duration": self._duration(job),
            "cancelationReason": None,
            "runId": job.name,
            "parentRunId": job.parent,
            "experimentId": "66666666-6666-6666-6666-666666666666",
            "status": job.status,
            "startTimeUtc": iso(job.started),
            "endTimeUtc": iso(job.ended),
            "options": {"generateDataContainerIdIfNotSpecified": True},
            "isVirtual": False,
            "displayName": job.display_name or job.name,
            "name": None,
            "dataContainerId": f"dcid.{job.name}",
            "description": None,
            "hidden": False,
            "runType": "azureml.PipelineRun"
            if is_pipeline
            else ("azureml.StepRun" if job.parent else "azureml.scriptrun"),
            "runTypeV2": {"orchestrator": None, "traits": [], "attribution": None, "computeType": "AmlcCompute"},
            "properties": dict(job.properties),
            "parameters": {},
            "actionUris": {},
            "scriptName": None,
            "target": None if is_pipeline else job.compute,
            "uniqueChildRunComputeTargets": [],
            "tags": dict(job.tags),
            "settings": {},
            "services": {},
            "inputDatasets": [],
            "outputDatasets": [],
            "runDefinition": None,
            "jobSpecification": None,
            "primaryMetricName": None,
            "createdFrom": None,
            "cancelUri": None,
            "completeUri": None,
            "diagnosticsUri": None,
            "computeRequest": None if is_pipeline else {"nodeCount": 1, "gpuCount": 0},
            "compute": None
            if is_pipeline
            else {
                "target": job.compute,
                "targetType": "AmlCompute",
                "vmSize": "STANDARD_DS3_V2",
                "instanceCount": 1,
                "gpuCount": 0,
                "priority": "Dedicated",
                "region": LOCATION,
            },
            "retainForLifetimeOfWorkspace": False,
            "queueingInfo": None,
            "activeChildRunId": None,
            "inputs": None,
            "outputs": {name: {"assetId": asset, "type": "uri_folder"} for name, (asset, _) in job.run_outputs.items()}
            or None,
        }

    def log_url(self, job: FakeJob, log_name: str) -> str:
        now = dt.datetime.now(dt.timezone.utc)
        sas = (
            f"sv=2019-07-07&sr=b&sig=fake-aml-sas%3D&skoid={MI_PRINCIPAL_ID}"
            f"&st={now:%Y-%m-%dT%H:%M:%SZ}&se={now + dt.timedelta(hours=1):%Y-%m-%dT%H:%M:%SZ}&sp=r"
        )
        blob_path = quote(f"{job.artifact_prefix}{log_name}")
        return f"{self.blob_account_url}/{ARTIFACT_CONTAINER}/{blob_path}?{sas}"

    def run_details(self, job: FakeJob) -> dict[str, Any]:
        run = self.run(job)
        keys = (
            "runId", "runUuid", "parentRunUuid", "rootRunUuid", "status", "parentRunId", "startTimeUtc",
            "endTimeUtc", "error", "warnings", "tags", "properties", "parameters", "services", "inputDatasets",
            "outputDatasets", "revision", "runTypeV2", "settings", "computeRequest", "compute", "createdBy",
            "computeDuration", "runNumber", "rootRunId", "userId", "statusRevision", "hasVirtualParent",
            "currentComputeTime", "lastStartTimeUtc", "lastModifiedBy", "lastModifiedUtc", "duration", "inputs",
            "outputs",
        )  # fmt: skip
        details = {k: run[k] for k in keys}
        details.update(
            {
                "target": run["target"],
                "createdTimeUtc": run["createdUtc"],
                "runDefinition": None,
                "jobCost": None,
                "logFiles": {name: self.log_url(job, name) for name in self.state.run_log_names(job)},
            }
        )
        return details


# --------------------------------------------------------------------------------------------------- errors


def arm_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def mfe_not_found(kind: str, name: str) -> dict[str, Any]:
    """The Azure ML (MFE) flavour of a 404 body: ``UserError`` with nested ``NotFound``/``ResourceNotFound``."""
    now = dt.datetime.now(dt.timezone.utc)
    return {
        "error": {
            "code": "UserError",
            "severity": None,
            "message": f"Could not find {kind} with name {name!r} in workspace {WORKSPACE!r}.",
            "messageFormat": None,
            "messageParameters": None,
            "referenceCode": None,
            "detailsUri": None,
            "target": None,
            "details": [],
            "innerError": {"code": "NotFound", "innerError": {"code": "ResourceNotFound", "innerError": None}},
            "debugInfo": None,
            "additionalInfo": None,
        },
        "correlation": {"operation": uuid.uuid4().hex, "request": uuid.uuid4().hex[:16]},
        "environment": LOCATION,
        "location": LOCATION,
        "time": now.isoformat(),
        "componentName": "mfe",
    }


def authorization_failed(action: str, scope: str) -> dict[str, Any]:
    return arm_error(
        "AuthorizationFailed",
        f"The client '{MI_CLIENT_ID}' with object id '{MI_PRINCIPAL_ID}' does not have authorization to perform "
        f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please "
        "refresh your credentials.",
    )


def blob_error_xml(code: str, message: str) -> bytes:
    now = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc), usegmt=True)
    return (
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>'
        f"{code}</Code><Message>{xml_escape(message)}\nRequestId:{uuid.uuid4()}\nTime:{now}</Message></Error>"
    ).encode()


class _Reply(Exception):
    """Raised inside a route to answer immediately."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


# --------------------------------------------------------------------------------------------------- HTTP


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], fake: FakeAmlServer) -> None:
        self.fake = fake
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = self.socket.accept()
        # handshake later, in the handler thread, so one slow client cannot block accept()
        return self.fake.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets, aborted handshakes, clients hanging up: expected in fault tests


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeAzureML/1.0"
    server: _TLSServer

    # ---- plumbing
    def setup(self) -> None:
        self.request.settimeout(30)
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError):
            self.request.close()
            raise
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def fake(self) -> FakeAmlServer:
        return self.server.fake

    @property
    def state(self) -> FakeAmlState:
        return self.server.fake.state

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json_body(self) -> Any:
        raw = self._body
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise _Reply(400, arm_error("InvalidRequestContent", f"Body is not JSON: {exc}")) from exc

    def _auth_scheme(self) -> str | None:
        header = self.headers.get("Authorization")
        if header:
            return header.split(" ", 1)[0]
        if "sig=" in self._query_raw:
            return "SAS"
        return None

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self._query_raw = split.query
        self._query = {k.lower(): v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        host = (self.headers.get("Host") or "").lower()
        record = RequestRecord(
            seq=self.state.next_seq(),
            time=time.time(),
            method=method,
            host=host,
            path=unquote(split.path),
            query=split.query,
            auth=self._auth_scheme(),
            range=self.headers.get("x-ms-range") or self.headers.get("Range"),
        )
        self._record = record
        admin = split.path.startswith("/_admin/")
        if not admin:  # admin calls (e.g. reset, which waits for idle) are neither counted nor logged
            self.state.begin_request()
        try:
            self._body = self._read_body()
            if admin:
                self._admin(method, split.path)
                return
            fault = self.state.take_fault(method, f"{split.path}?{split.query}" if split.query else split.path)
            if fault is not None:
                record.fault = f"{fault.kind}:{fault.id}"
                if self._apply_fault(fault):
                    return
            self._route(method, host, split.path)
        except _Reply as reply:
            if isinstance(reply.body, dict) and reply.body.get("error", {}).get("code") == "FakeAmlRouteNotFound":
                record.note = "no route in the fake"
            self._send(reply.status, reply.body, reply.headers)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001  (report any bug in the fake as a 500 the test can see)
            record.note = f"fake bug: {type(exc).__name__}: {exc}"
            self._send(500, arm_error("FakeAmlInternalError", record.note))
        finally:
            if not admin:
                self.state.record(record)
                self.state.end_request()

    def _send(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None, *, head: bool = False
    ) -> None:
        headers = dict(headers or {})
        if body is None:
            payload = b""
        elif isinstance(body, bytes | bytearray):
            payload = bytes(body)
        else:
            payload = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        self._record.status = status
        self.send_response(status)
        headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        headers.setdefault("x-ms-correlation-request-id", str(uuid.uuid4()))
        headers.setdefault("Content-Length", str(len(payload)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and not head:
            self.wfile.write(payload)
            self._record.bytes_sent += len(payload)

    def _apply_fault(self, fault: Fault) -> bool:
        """Returns True when the fault produced the whole response."""
        if fault.kind == "delay":
            time.sleep(fault.delay)
            return False
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            body = fault.body or arm_error(
                {429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}.get(
                    fault.status, "InjectedFault"
                ),
                f"Injected fault {fault.id} (HTTP {fault.status}) from the fake Azure ML service.",
            )
            self._send(fault.status, body, headers)
            return True
        if fault.kind == "reset":
            self._record.status = -1
            self._abort_connection()
            return True
        if fault.kind == "truncate":
            self._truncate_next = True
            return False
        raise _Reply(500, arm_error("FakeAmlBadFault", f"unknown fault kind {fault.kind!r}"))

    def _abort_connection(self, *, reset: bool = True) -> None:
        """Drop the connection: a TCP RST (``reset``) or a plain FIN without TLS close_notify (truncation)."""
        if reset:
            with contextlib.suppress(OSError):
                self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            with contextlib.suppress(OSError):
                self.request.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.request.close()
        self.close_connection = True
        self.wfile = BytesIO()  # swallow anything the base class still flushes

    _truncate_next = False

    def _send_maybe_truncated(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        if not self._truncate_next:
            self._send(status, payload, headers)
            return
        headers = dict(headers)
        headers["Content-Length"] = str(len(payload))
        self._record.status = status
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        half = payload[: len(payload) // 2]
        self.wfile.write(half)
        self.wfile.flush()
        self._record.bytes_sent += len(half)
        self._record.note = "truncated"
        self._abort_connection(reset=False)

    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        headers = dict(headers or {})
        headers["Content-Type"] = "application/json; charset=utf-8"
        self._send_maybe_truncated(status, json.dumps(body).encode(), headers)

    def _require_bearer(self) -> None:
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer "):
            raise _Reply(
                401,
                arm_error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."),
                {"WWW-Authenticate": f'Bearer authorization_uri="{self.fake.base_url}/{TENANT_ID}"'},
            )

    # ---- routing
    def _route(self, method: str, host: str, path: str) -> None:
        hostname = host.split(":", 1)[0]
        if hostname.startswith(f"{STORAGE_ACCOUNT}.blob."):
            self._blob(method, unquote(path))
            return
        if path.startswith(f"/{STORAGE_ACCOUNT}/"):  # Azurite-style path addressing on localhost
            self._blob(method, unquote(path[len(STORAGE_ACCOUNT) + 1 :]))
            return
        lowered = path.lower().rstrip("/")
        if lowered == "/metadata/endpoints":
            return self._send_json(200, self._metadata())
        if lowered in ("/msi/token", "/metadata/identity/oauth2/token"):
            return self._managed_identity(lowered)
        if re.fullmatch(r"/[^/]+/v2\.0/\.well-known/openid-configuration", lowered):
            return self._send_json(200, self._openid(path.split("/")[1]))
        if re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", lowered) and method == "POST":
            return self._aad_token()
        if lowered == "/common/discovery/instance":
            return self._send_json(200, self._instance_discovery())
        if lowered == "/discovery":
            return self._send_json(200, self.fake.shapes.discovery())
        self._require_bearer()
        if lowered == "/subscriptions":
            return self._send_json(
                200, {"value": [self.fake.shapes.subscription()], "count": {"type": "Total", "value": 1}}
            )
        if lowered == f"/subscriptions/{SUBSCRIPTION_ID}":
            return self._send_json(200, self.fake.shapes.subscription())
        if lowered == "/tenants":
            return self._send_json(
                200,
                {
                    "value": [
                        {
                            "id": f"/tenants/{TENANT_ID}",
                            "tenantId": TENANT_ID,
                            "displayName": "Fake Tenant",
                            "tenantCategory": "Home",
                            "defaultDomain": "fake.onmicrosoft.com",
                        }
                    ]
                },
            )
        match = re.fullmatch(r"(?P<plane>/history/v1\.0|/data/v1\.0)?" + _WS_RE + r"(?P<rest>/.*)?", lowered)
        if match is None:
            raise _Reply(
                404, arm_error("FakeAmlRouteNotFound", f"The fake Azure ML service has no route for {method} {path}")
            )
        if (match["sub"], match["rg"], match["ws"]) != (SUBSCRIPTION_ID, RESOURCE_GROUP, WORKSPACE):
            raise _Reply(
                404,
                arm_error(
                    "ResourceNotFound",
                    f"The Resource 'Microsoft.MachineLearningServices/workspaces/{match['ws']}' "
                    f"under resource group '{match['rg']}' was not found.",
                ),
            )
        rest_lower = match["rest"] or ""
        rest = path[len(path) - len(rest_lower) :] if rest_lower else ""
        if match["plane"] == "/history/v1.0":
            return self._history(method, rest)
        if match["plane"] == "/data/v1.0":
            return self._dataplane(method, rest)
        return self._arm(method, rest)

    def _metadata(self) -> Any:
        cloud = self.fake.shapes.cloud_metadata()
        return cloud if self._query.get("api-version", "").startswith("2022") else [cloud]

    # ---- identity
    def _managed_identity(self, path: str) -> None:
        resource = self._query.get("resource") or "https://management.azure.com/"
        expected = self.fake.identity_header
        if path == "/msi/token":
            given = self.headers.get("X-IDENTITY-HEADER") or self.headers.get("secret")
            if given != expected:
                raise _Reply(401, {"statusCode": 401, "message": "X-IDENTITY-HEADER is missing or wrong."})
        elif self.headers.get("Metadata") != "true":
            raise _Reply(
                400, {"error": "invalid_request", "error_description": "Required metadata header not specified"}
            )
        now = int(time.time())
        token = make_fake_jwt(resource)
        body: dict[str, Any] = {
            "access_token": token,
            "expires_on": str(now + 3600),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": MI_CLIENT_ID,
        }
        if path != "/msi/token":
            body.update({"expires_in": "3599", "ext_expires_in": "3599", "not_before": str(now)})
        self._send_json(200, body)

    def _openid(self, tenant: str) -> dict[str, Any]:
        base = self.fake.base_url
        return {
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
            "issuer": f"{base}/{TENANT_ID}/v2.0",
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "tenant_region_scope": "NA",
        }

    def _instance_discovery(self) -> dict[str, Any]:
        host = urlsplit(self.fake.base_url).netloc
        return {
            "tenant_discovery_endpoint": f"{self.fake.base_url}/{TENANT_ID}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }

    def _aad_token(self) -> None:
        form = {k: v[-1] for k, v in parse_qs(self._body.decode(), keep_blank_values=True).items()}
        scope = form.get("scope", "https://management.azure.com/.default").split()[0]
        resource = scope[: -len("/.default")] if scope.endswith("/.default") else scope
        self._send_json(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": make_fake_jwt(resource),
            },
        )

    # ---- ARM: workspace, jobs, datastores
    def _job_or_error(self, name: str, action: str, kind: str = "job") -> FakeJob:
        with self.state.lock:
            job = self.state.jobs.get(name)
        if job is None or job.access == "missing":
            raise _Reply(404, mfe_not_found(kind, name))
        if job.access == "forbidden":
            raise _Reply(403, authorization_failed(action, f"{WS_PATH}/jobs/{name}"))
        return job

    def _arm(self, method: str, rest: str) -> None:
        shapes = self.fake.shapes
        lowered = rest.lower().rstrip("/")
        if lowered == "" and method == "GET":
            return self._send_json(200, shapes.workspace())
        if lowered == "/jobs" and method == "GET":
            with self.state.lock:
                jobs = [j for j in self.state.jobs.values() if j.parent is None and j.access == "ok"]
            jobs.sort(key=lambda j: j.created, reverse=True)
            return self._send_json(200, {"value": [shapes.arm_job(j) for j in jobs], "nextLink": None})
        match = re.fullmatch(r"/jobs/([^/]+)", rest.rstrip("/"))
        if match and method == "GET":
            job = self._job_or_error(match[1], "Microsoft.MachineLearningServices/workspaces/jobs/read")
            return self._send_json(200, shapes.arm_job(job))
        if lowered == "/datastores" and method == "GET":
            names = ["workspaceblobstore", "workspaceartifactstore"]
            if self._query.get("isdefault", "").lower() == "true":
                names = ["workspaceblobstore"]
            return self._send_json(200, {"value": [shapes.datastore(n) for n in names], "nextLink": None})
        match = re.fullmatch(r"/datastores/([^/]+)(/listsecrets)?", lowered)
        if match:
            datastore = shapes.datastore(match[1])
            if datastore is None:
                raise _Reply(404, mfe_not_found("datastore", match[1]))
            if match[2] and method == "POST":
                return self._send_json(200, {"secretsType": "AccountKey", "key": STORAGE_KEY})
            if not match[2] and method == "GET":
                return self._send_json(200, datastore)
        raise _Reply(
            404, arm_error("FakeAmlRouteNotFound", f"The fake Azure ML service has no ARM route for {method} {rest}")
        )

    # ---- run history
    def _history(self, method: str, rest: str) -> None:
        shapes = self.fake.shapes
        if rest.lower().rstrip("/") == "/rundata" and method == "POST":
            run_id = str(self._json_body().get("runId") or "")
            job = self._job_or_error(
                run_id, "Microsoft.MachineLearningServices/workspaces/experiments/runs/read", "run"
            )
            return self._send_json(
                200, {"runMetadata": shapes.run(job), "runDefinition": None, "jobSpecification": None}
            )
        match = re.fullmatch(r"(?:/experiment(?:s|ids)/[^/]+)?/runs/([^/]+)(/details|/children)?/?", rest, re.I)
        if match is None or method != "GET":
            raise _Reply(404, arm_error("FakeAmlRouteNotFound", f"No run-history route for {method} {rest}"))
        job = self._job_or_error(match[1], "Microsoft.MachineLearningServices/workspaces/experiments/runs/read", "run")
        what = (match[2] or "").lower()
        if what == "/details":
            return self._send_json(200, shapes.run_details(job))
        if what == "/children":
            children = self.state.children_of(job.name)
            top = self._query.get("$top")
            if top and top.isdigit():
                children = children[: int(top)]
            return self._send_json(
                200, {"value": [shapes.run(c) for c in children], "continuationToken": None, "nextLink": None}
            )
        return self._send_json(200, shapes.run(job))

    def _dataplane(self, method: str, rest: str) -> None:
        if rest.lower() == "/dataversion/batchgetresolveduris" and method == "POST":
            wanted = self._json_body().get("values") or []
            resolved: dict[str, Any] = {}
            with self.state.lock:
                for job in self.state.jobs.values():
                    for asset, uri in job.run_outputs.values():
                        if asset in wanted:
                            resolved[asset] = {"uri": uri, "type": "uri_folder"}
            return self._send_json(200, {"values": resolved})
        raise _Reply(404, arm_error("FakeAmlRouteNotFound", f"No data-plane route for {method} {rest}"))

    # ---- blob
    def _blob(self, method: str, path: str) -> None:
        auth = self._record.auth
        if auth is None:  # anonymous access to a private container looks like "not found"
            raise _Reply(
                404,
                blob_error_xml("ResourceNotFound", "The specified resource does not exist."),
                {"Content-Type": "application/xml", "x-ms-error-code": "ResourceNotFound"},
            )
        if auth not in ("SharedKey", "SAS", "Bearer"):
            raise _Reply(
                403,
                blob_error_xml("AuthenticationFailed", "Server failed to authenticate the request."),
                {"Content-Type": "application/xml", "x-ms-error-code": "AuthenticationFailed"},
            )
        container, _, name = path.lstrip("/").partition("/")
        with self.state.lock:
            blobs = self.state.containers.get(container)
        if blobs is None:
            raise _Reply(
                404,
                blob_error_xml("ContainerNotFound", "The specified container does not exist."),
                {"Content-Type": "application/xml", "x-ms-error-code": "ContainerNotFound"},
            )
        if not name:
            if method == "GET" and self._query.get("comp") == "list":
                return self._list_blobs(container, blobs)
            if method in ("GET", "HEAD") and self._query.get("restype") == "container":
                return self._send(
                    200,
                    b"",
                    {
                        "ETag": '"0x8DC000000000001"',
                        "Last-Modified": _http_date(utc("2024-01-02T03:04:05")),
                        "x-ms-version": self._ms_version(),
                    },
                )
            raise _Reply(
                400,
                blob_error_xml("UnsupportedHttpVerb", f"{method} on a container is not supported by the fake."),
                {"Content-Type": "application/xml"},
            )
        if method not in ("GET", "HEAD"):
            raise _Reply(
                405,
                blob_error_xml("UnsupportedHttpVerb", "The fake blob store is read-only."),
                {"Content-Type": "application/xml"},
            )
        with self.state.lock:
            blob = blobs.get(name)
            if blob is None:
                raise _Reply(
                    404,
                    blob_error_xml("BlobNotFound", "The specified blob does not exist."),
                    {"Content-Type": "application/xml", "x-ms-error-code": "BlobNotFound"},
                )
            size = blob.content.size
            etag = blob.etag
            headers = {
                "Content-Type": blob.content_type,
                "ETag": etag,
                "Last-Modified": _http_date(blob.modified),
                "Accept-Ranges": "bytes",
                "x-ms-blob-type": "BlockBlob",
                "x-ms-creation-time": _http_date(blob.created),
                "x-ms-lease-status": "unlocked",
                "x-ms-lease-state": "available",
                "x-ms-server-encrypted": "true",
                "x-ms-version": self._ms_version(),
            }
            for key, value in blob.metadata.items():
                headers[f"x-ms-meta-{key}"] = value
            if_match = self.headers.get("If-Match")
            if if_match and if_match not in ("*", etag):
                raise _Reply(
                    412,
                    blob_error_xml(
                        "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met."
                    ),
                    {"Content-Type": "application/xml", "x-ms-error-code": "ConditionNotMet"},
                )
            range_header = self._record.range
            start, end = 0, size
            status = 200
            if range_header:
                parsed = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header.strip())
                if parsed is None:
                    raise _Reply(
                        400,
                        blob_error_xml("InvalidHeaderValue", f"Bad range {range_header!r}"),
                        {"Content-Type": "application/xml"},
                    )
                start = int(parsed[1])
                end = min(size, int(parsed[2]) + 1) if parsed[2] else size
                if start >= size:
                    raise _Reply(
                        416,
                        blob_error_xml(
                            "InvalidRange", "The range specified is invalid for the current size of the resource."
                        ),
                        {
                            "Content-Type": "application/xml",
                            "x-ms-error-code": "InvalidRange",
                            "Content-Range": f"bytes */{size}",
                        },
                    )
                status = 206
                headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
            data = b"" if method == "HEAD" else blob.content.read(start, end)
        if method == "HEAD":
            headers["Content-Length"] = str(end - start)
            self._send(status, b"", headers, head=True)
            return
        self._send_maybe_truncated(status, data, headers)

    def _ms_version(self) -> str:
        return self.headers.get("x-ms-version") or "2021-08-06"

    def _list_blobs(self, container: str, blobs: dict[str, Blob]) -> None:
        prefix = self._query.get("prefix", "")
        delimiter = self._query.get("delimiter", "")
        marker = self._query.get("marker", "")
        max_results = int(self._query.get("maxresults") or 5000)
        include = {s.strip() for s in self._query.get("include", "").lower().split(",") if s.strip()}
        with self.state.lock:
            names = sorted(n for n in blobs if n.startswith(prefix))
            entries: list[tuple[str, Blob | None]] = []
            seen_prefixes: set[str] = set()
            for name in names:
                if delimiter:
                    cut = name.find(delimiter, len(prefix))
                    if cut != -1:
                        sub = name[: cut + len(delimiter)]
                        if sub not in seen_prefixes:
                            seen_prefixes.add(sub)
                            entries.append((sub, None))
                        continue
                entries.append((name, blobs[name]))
            entries = [e for e in entries if e[0] >= marker] if marker else entries
            page, rest = entries[:max_results], entries[max_results:]
            parts = [
                '<?xml version="1.0" encoding="utf-8"?>',
                f'<EnumerationResults ServiceEndpoint="{xml_escape(self.fake.shapes.blob_account_url)}/" '
                f'ContainerName="{xml_escape(container)}">',
                f"<Prefix>{xml_escape(prefix)}</Prefix>",
                f"<Marker>{xml_escape(marker)}</Marker>" if marker else "",
                f"<MaxResults>{max_results}</MaxResults>" if "maxresults" in self._query else "",
                f"<Delimiter>{xml_escape(delimiter)}</Delimiter>" if delimiter else "",
                "<Blobs>",
            ]
            for name, blob in page:
                if blob is None:
                    parts.append(f"<BlobPrefix><Name>{xml_escape(name)}</Name></BlobPrefix>")
                    continue
                metadata = ""
                if "metadata" in include:
                    metadata = (
                        "<Metadata>"
                        + "".join(f"<{k}>{xml_escape(v)}</{k}>" for k, v in blob.metadata.items())
                        + "</Metadata>"
                    )
                parts.append(
                    f"<Blob><Name>{xml_escape(name)}</Name><Properties>"
                    f"<Creation-Time>{_http_date(blob.created)}</Creation-Time>"
                    f"<Last-Modified>{_http_date(blob.modified)}</Last-Modified>"
                    f"<Etag>{xml_escape(blob.etag.strip(chr(34)))}</Etag>"
                    f"<Content-Length>{blob.content.size}</Content-Length>"
                    f"<Content-Type>{xml_escape(blob.content_type)}</Content-Type>"
                    "<Content-Encoding /><Content-Language /><Content-CRC64 /><Content-MD5 /><Cache-Control />"
                    "<Content-Disposition /><BlobType>BlockBlob</BlobType><AccessTier>Hot</AccessTier>"
                    "<AccessTierInferred>true</AccessTierInferred><LeaseStatus>unlocked</LeaseStatus>"
                    "<LeaseState>available</LeaseState><ServerEncrypted>true</ServerEncrypted>"
                    f"</Properties>{metadata}</Blob>"
                )
            parts.append("</Blobs>")
            parts.append(f"<NextMarker>{xml_escape(rest[0][0])}</NextMarker>" if rest else "<NextMarker />")
            parts.append("</EnumerationResults>")
        self._send_maybe_truncated(
            200, "".join(parts).encode(), {"Content-Type": "application/xml", "x-ms-version": self._ms_version()}
        )

    # ---- admin API (JSON in, JSON out)
    def _admin(self, method: str, path: str) -> None:
        fake = self.fake
        body = self._json_body() if method in ("POST", "PUT") else {}
        action = path[len("/_admin/") :].strip("/")
        try:
            if action == "faults" and method == "POST":
                fault = fake.add_fault(**body)
                return self._send(200, {"id": fault.id})
            if action == "faults" and method == "DELETE":
                fake.clear_faults()
                return self._send(200, {"ok": True})
            if action == "faults" and method == "GET":
                with self.state.lock:
                    return self._send(200, [asdict(f) for f in self.state.faults])
            if action == "requests" and method == "GET":
                return self._send(200, [r.to_dict() for r in fake.requests()])
            if action == "requests" and method == "DELETE":
                fake.clear_requests()
                return self._send(200, {"ok": True})
            if action == "append_log" and method == "POST":
                blob = fake.append_log(body["job"], body["path"], body["text"])
                return self._send(200, {"size": blob.content.size})
            if action == "set_status" and method == "POST":
                fake.set_status(body["job"], body["status"], body.get("error"))
                return self._send(200, {"ok": True})
            if action == "set_access" and method == "POST":
                fake.set_access(body["job"], body["access"])
                return self._send(200, {"ok": True})
            if action == "tick" and method == "POST":
                for _ in range(int(body.get("times", 1))):
                    fake.tick()
                return self._send(200, {"ok": True})
            if action == "reset" and method == "POST":
                fake.reset()
                return self._send(200, {"ok": True})
            if action == "state" and method == "GET":
                with self.state.lock:
                    jobs = {
                        j.name: {
                            "status": j.status,
                            "parent": j.parent,
                            "access": j.access,
                            "logs": self.state.run_log_names(j),
                        }
                        for j in self.state.jobs.values()
                    }
                return self._send(200, {"base_url": fake.base_url, "jobs": jobs})
        except (KeyError, TypeError, ValueError) as exc:
            raise _Reply(400, {"error": f"{type(exc).__name__}: {exc}"}) from exc
        raise _Reply(404, {"error": f"no admin action {method} {action}"})


def _http_date(value: dt.datetime) -> str:
    return email.utils.format_datetime(value.astimezone(dt.timezone.utc), usegmt=True)


# --------------------------------------------------------------------------------------------------- CONNECT proxy


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeAmlServer) -> None:
        self.fake = fake
        super().__init__(address, _ProxyHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _ProxyHandler(BaseHTTPRequestHandler):
    """HTTPS CONNECT proxy that only tunnels to the fake's TLS port; anything else is refused and logged."""

    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _refuse(self, target: str) -> None:
        fake = self.server.fake
        fake.state.record(
            RequestRecord(
                seq=fake.state.next_seq(),
                time=time.time(),
                method=self.command,
                host=target,
                path="",
                query="",
                status=403,
                note="blocked by fake_aml proxy: not the fake service",
            )
        )
        body = f"fake_aml proxy refuses {self.command} {target}: only the fake service on loopback is reachable.\n"
        payload = body.encode()
        self.send_response(403)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.close_connection = True

    def do_CONNECT(self) -> None:
        fake = self.server.fake
        host, _, port_text = self.path.rpartition(":")
        host = host.strip("[]").lower()
        local = host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")
        if not local or not port_text.isdigit() or int(port_text) != fake.port:
            self._refuse(self.path)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", fake.port), timeout=10)
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        _relay(self.connection, upstream)

    def do_GET(self) -> None:
        self._refuse(self.path)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET


def _relay(a: socket.socket, b: socket.socket) -> None:
    sockets = [a, b]
    try:
        a.settimeout(None)
        b.settimeout(None)
        while True:
            readable, _, errored = select.select(sockets, [], sockets, 60)
            if errored or not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (b if sock is a else a).sendall(data)
    except OSError:
        return
    finally:
        b.close()


# --------------------------------------------------------------------------------------------------- server facade


def prepare_az_config_dir(config_dir: str | os.PathLike[str]) -> Path:
    """Create an ``AZURE_CONFIG_DIR`` in which ``az`` will not phone home on its first run.

    A fresh config dir makes azure-cli-core look up the latest CLI version on azcliprod.blob.core.windows.net
    (``handle_version_update``). A ``versionCheck.json`` that already records the installed versions, checked
    "now", skips that.
    """
    from importlib import metadata

    directory = Path(config_dir)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "versionCheck.json"
    if target.exists():
        return directory
    versions: dict[str, dict[str, str]] = {}
    for dist, key in (("azure-cli", "azure-cli"), ("azure-cli-core", "core"), ("azure-cli-telemetry", "telemetry")):
        try:
            versions[key] = {"local": metadata.version(dist)}
        except metadata.PackageNotFoundError:
            continue
    if "core" in versions:
        stamp = dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")
        target.write_text(json.dumps({"versions": versions, "update_time": stamp}), encoding="utf-8")
    return directory


class FakeAmlServer:
    """Owns the state, the TLS server, the optional CONNECT proxy and the generated certificate.

    Typical use is :func:`tests.fake_aml.running_fake_aml`, which also loads the default fixtures.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        *,
        port: int = 0,
        proxy: bool = True,
        proxy_port: int = 0,
        request_log_file: str | os.PathLike[str] | None = None,
        identity_header: str = DEFAULT_IDENTITY_HEADER,
    ) -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cert: CertPaths = generate_cert(self.workdir / "tls")
        self.ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ssl_context.load_cert_chain(self.cert.cert, self.cert.key)
        self.state = FakeAmlState(request_log_file)
        self.identity_header = identity_header
        self._tls = _TLSServer(("127.0.0.1", port), _Handler, self)
        self.port: int = self._tls.server_address[1]
        self._proxy = _ProxyServer(("127.0.0.1", proxy_port), self) if proxy else None
        self.proxy_port: int | None = self._proxy.server_address[1] if self._proxy else None
        self.shapes = Shapes(self.state, self.base_url, self.storage_suffix)
        self._threads: list[threading.Thread] = []
        self._ticker_stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._reset_callbacks: list[Callable[[FakeAmlServer], None]] = []

    # ---- addresses
    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def storage_suffix(self) -> str:
        return f"core.localhost:{self.port}"

    @property
    def blob_account_url(self) -> str:
        return f"https://{STORAGE_ACCOUNT}.blob.{self.storage_suffix}"

    @property
    def metadata_url(self) -> str:
        return f"{self.base_url}/metadata/endpoints?api-version=2019-05-01"

    @property
    def proxy_url(self) -> str | None:
        return f"http://127.0.0.1:{self.proxy_port}" if self.proxy_port else None

    @property
    def ca_bundle(self) -> Path:
        return self.cert.bundle

    @property
    def pythonpath_dir(self) -> Path:
        """Directory whose ``sitecustomize.py`` makes ``*.localhost`` resolve in a subprocess."""
        return Path(__file__).resolve().parent / "pythonpath"

    # ---- environment
    def sdk_env(self) -> dict[str, str]:
        """What an in-process azure-ai-ml / azure-cli needs (plus an in-process ``*.localhost`` resolver)."""
        return {
            "ARM_CLOUD_METADATA_URL": self.metadata_url,
            "REQUESTS_CA_BUNDLE": str(self.ca_bundle),
            "SSL_CERT_FILE": str(self.ca_bundle),
        }

    def identity_env(self) -> dict[str, str]:
        """Makes MSAL's managed-identity client (``az login --identity``) use the App Service flow against us."""
        return {"IDENTITY_ENDPOINT": f"{self.base_url}/msi/token", "IDENTITY_HEADER": self.identity_header}

    def az_env(self, config_dir: str | os.PathLike[str], *, guard: bool = True) -> dict[str, str]:
        """Variables for a subprocess ``az`` (merge into ``os.environ``)."""
        env = {
            **self.sdk_env(),
            **self.identity_env(),
            "AZURE_CONFIG_DIR": str(config_dir),
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_NO_COLOR": "true",
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "PYTHONPATH": os.pathsep.join(p for p in (str(self.pythonpath_dir), os.environ.get("PYTHONPATH", "")) if p),
        }
        if guard and self.proxy_url:
            env.update(
                {
                    "HTTPS_PROXY": self.proxy_url,
                    "https_proxy": self.proxy_url,
                    "HTTP_PROXY": self.proxy_url,
                    "http_proxy": self.proxy_url,
                    "NO_PROXY": "",
                    "no_proxy": "",
                }
            )
        return env

    def subprocess_env(self, config_dir: str | os.PathLike[str], *, guard: bool = True) -> dict[str, str]:
        """A complete environment (``os.environ`` + :meth:`az_env`) for ``subprocess.run(..., env=...)``.

        Also seeds ``config_dir`` (see :func:`prepare_az_config_dir`).
        """
        prepare_az_config_dir(config_dir)
        env = dict(os.environ)
        for key in (
            "IDENTITY_SERVER_THUMBPRINT",
            "MSI_ENDPOINT",
            "MSI_SECRET",
            "IMDS_ENDPOINT",
            "AZUREML_CURRENT_CLOUD",
        ):
            env.pop(key, None)
        env.update(self.az_env(config_dir, guard=guard))
        return env

    # ---- lifecycle
    def start(self) -> FakeAmlServer:
        servers: list[ThreadingHTTPServer] = [self._tls] + ([self._proxy] if self._proxy else [])
        for server in servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                daemon=True,
                name=f"fake-aml-{server.server_address[1]}",
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.stop_ticker()
        for server in [self._tls] + ([self._proxy] if self._proxy else []):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FakeAmlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- Python admin API
    def add_fault(
        self,
        pattern: str,
        kind: str = "status",
        *,
        status: int = 503,
        count: int = 1,
        method: str | None = None,
        retry_after: str | int | None = None,
        delay: float = 0.0,
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """Inject a failure for the next ``count`` requests whose ``path?query`` matches ``pattern`` (regex).

        kinds: ``status`` (HTTP ``status`` + ARM error body, optional ``Retry-After``), ``delay`` (sleep ``delay``
        seconds, then answer normally), ``reset`` (TCP RST, no response), ``truncate`` (announce the full
        Content-Length, send half the body, close).
        """
        if kind not in ("status", "delay", "reset", "truncate"):
            raise ValueError(f"unknown fault kind {kind!r}")
        re.compile(pattern)
        return self.state.add_fault(
            Fault(
                pattern=pattern,
                kind=kind,
                status=status,
                count=count,
                method=method,
                retry_after=None if retry_after is None else str(retry_after),
                delay=delay,
                body=body,
            )
        )

    def clear_faults(self) -> None:
        self.state.clear_faults()

    def requests(self, path_contains: str | None = None, *, host_contains: str | None = None) -> list[RequestRecord]:
        with self.state.lock:
            records = list(self.state.requests)
        if path_contains is not None:
            records = [r for r in records if path_contains in r.path]
        if host_contains is not None:
            records = [r for r in records if host_contains in r.host]
        return records

    def clear_requests(self) -> None:
        self.state.clear_requests()

    def append_log(self, job: str, path: str, text: str) -> Blob:
        return self.state.append_log(job, path, text)

    def set_status(self, job: str, status: str, error: dict[str, Any] | None = None) -> None:
        self.state.set_status(job, status, error)

    def set_access(self, job: str, access: str) -> None:
        self.state.set_access(job, access)

    def tick(self) -> None:
        """Advance time-driven fixtures once (e.g. the running job writes more log lines)."""
        self.state.tick()

    def start_ticker(self, interval: float) -> None:
        """Call :meth:`tick` every ``interval`` seconds in a background thread."""
        self.stop_ticker()
        self._ticker_stop.clear()

        def loop() -> None:
            while not self._ticker_stop.wait(interval):
                self.tick()

        self._ticker = threading.Thread(target=loop, daemon=True, name="fake-aml-ticker")
        self._ticker.start()

    def stop_ticker(self) -> None:
        self._ticker_stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None

    def on_reset(self, callback: Callable[[FakeAmlServer], None]) -> None:
        """Register how to (re)build the fixtures; :meth:`reset` calls every callback on an emptied state."""
        self._reset_callbacks.append(callback)
        callback(self)

    def reset(self) -> None:
        """Back to the initial fixtures: jobs, blobs and faults rebuilt, request log cleared.

        Waits (up to 5 s) for requests still being handled, so a late one cannot leak into the next test's log.
        """
        self.stop_ticker()
        self.state.wait_idle()
        with self.state.lock:
            self.state.jobs.clear()
            self.state.containers = {ARTIFACT_CONTAINER: {}, BLOBSTORE_CONTAINER: {}}
            self.state.faults.clear()
            self.state.requests.clear()
            self.state.on_tick.clear()
            for callback in self._reset_callbacks:
                callback(self)

    def iter_blob_names(self, container: str = ARTIFACT_CONTAINER) -> Iterator[str]:
        with self.state.lock:
            names = sorted(self.state.containers.get(container, {}))
        yield from names
