"""Everything ``check invoke`` knows about an invocation before it is made: the input's form, its type, the output.

Batch endpoints read inputs from four places (how-to-access-data-batch-endpoints-jobs): registered data assets
(``uri_folder``/``uri_file``; MLTable is not supported), datastore paths (``azureml://datastores/<ds>/paths/<p>``),
Azure Storage URLs (``https://<account>.blob.core.windows.net/...``) and local files or folders, which the CLI uploads
to the workspace's default datastore.  Outputs go to a Blob datastore path.  Whether the output location already
holds results needs the workspace: the CLI glue asks Azure and hands the answer in as :class:`OutputState`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..core.models import Evidence

DEFAULT_INPUT_TYPE = "uri_folder"  # azure-ai-ml's Input() default, which 'az ml batch-endpoint invoke' uses
DEFAULT_OUTPUT_FILE = "predictions.csv"
DATA_FILE_SUFFIXES = frozenset(
    {
        ".csv", ".tsv", ".txt", ".json", ".jsonl", ".parquet", ".pqt", ".avro", ".png", ".jpg", ".jpeg", ".bmp",
        ".gif", ".tif", ".tiff", ".npy", ".npz", ".pkl", ".zip", ".gz", ".xlsx", ".wav", ".mp3", ".pdf",
    }
)  # fmt: skip
MAX_LISTED = 10000

_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]+):")
_SHORT_DATASTORE = re.compile(r"^azureml://datastores/(?P<datastore>[^/]+)/paths/(?P<path>.*)$")
_LONG_DATASTORE = re.compile(
    r"^azureml://subscriptions/(?P<subscription>[^/]+)/resource[gG]roups/(?P<group>[^/]+)/workspaces/"
    r"(?P<workspace>[^/]+)/datastores/(?P<datastore>[^/]+)/paths/(?P<path>.*)$"
)
_ARM_DATASTORE = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resource[gG]roups/(?P<group>[^/]+)/providers/"
    r"Microsoft\.MachineLearningServices/workspaces/(?P<workspace>[^/]+)/datastores/(?P<datastore>[^/]+)"
    r"/paths/(?P<path>.*)$",
    re.IGNORECASE,
)
_ARM_DATA = re.compile(r"^/subscriptions/.+/workspaces/[^/]+/data/(?P<name>[^/]+)/versions/(?P<version>[^/]+)$", re.I)
_REGISTRY_DATA = re.compile(r"^azureml://registries/[^/]+/data/(?P<name>[^/]+)/(versions/[^/]+|labels/[^/]+)$")
_ASSET = re.compile(
    r"^(?:azureml:)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.\-]*)(?::(?P<version>[^:@/]+)|@(?P<label>[\w.\-]+))?$"
)
_STORAGE_HOST = re.compile(r"\.(blob|dfs)\.core\.|\.azuredatalakestore\.net$", re.IGNORECASE)


@dataclass
class InvokeRequest:
    input: str
    input_type: str | None = None
    output_path: str | None = None
    output_file_name: str | None = None
    base_dir: Path = field(default_factory=Path.cwd)


@dataclass
class InputForm:
    text: str
    # "data-asset" | "datastore" | "storage-url" | "web-url" | "local" | "unsupported"
    kind: str
    scheme: str | None = None
    asset_name: str | None = None
    asset_version: str | None = None
    asset_label: str | None = None
    datastore: str | None = None
    remote_path: str | None = None
    local_path: Path | None = None
    exists: bool = False
    is_dir: bool = False
    is_file: bool = False
    file_count: int = 0
    reason: str | None = None  # why an unsupported form is not accepted

    @property
    def last_segment(self) -> str:
        text = (self.remote_path if self.remote_path is not None else self.text).split("?", 1)[0]
        return text.rstrip("/").rsplit("/", 1)[-1]

    @property
    def ends_with_slash(self) -> bool:
        return self.text.split("?", 1)[0].endswith("/")


@dataclass
class OutputTarget:
    text: str
    valid: bool
    datastore: str | None = None
    folder: str = ""  # path inside the datastore, no leading or trailing '/'
    file_name: str = DEFAULT_OUTPUT_FILE
    workspace: str | None = None  # when the long form names a workspace
    reason: str | None = None

    @property
    def file_path(self) -> str:
        return f"{self.folder}/{self.file_name}" if self.folder else self.file_name


@dataclass
class OutputState:
    """What the workspace says about the output location (filled by the Azure layer, never by the core)."""

    checked: bool
    datastore_found: bool = True
    datastore_type: str | None = None
    location: str = ""  # account/container/folder, for messages
    file_exists: bool = False
    existing: list[str] = field(default_factory=list)  # a few blob names under the folder
    total: int = 0
    error: str | None = None


@dataclass
class InvokeContext:
    request: InvokeRequest
    input: InputForm
    input_type: str  # effective: --input-type or the default
    input_type_given: bool
    output: OutputTarget | None
    output_state: OutputState | None = None
    # Why the online check did not run ("no workspace", "not signed in: ..."); None when it ran or was not needed.
    online_skipped: str | None = None

    def input_evidence(self) -> Evidence:
        return Evidence("--input", None, self.input.text)

    def type_evidence(self) -> Evidence:
        return Evidence(
            "--input-type", None, self.input_type if self.input_type_given else f"{self.input_type} (default)"
        )

    def output_evidence(self) -> Evidence:
        return Evidence("--output-path", None, self.output.text if self.output else "")


def build_context(
    request: InvokeRequest, output_state: OutputState | None = None, online_skipped: str | None = None
) -> InvokeContext:
    given = bool(request.input_type)
    input_type = (request.input_type or DEFAULT_INPUT_TYPE).strip().lower()
    output = classify_output(request.output_path, request.output_file_name) if request.output_path else None
    return InvokeContext(
        request=request,
        input=classify_input(request.input, request.base_dir),
        input_type=input_type,
        input_type_given=given,
        output=output,
        output_state=output_state,
        online_skipped=online_skipped,
    )


def classify_input(text: str, base_dir: Path) -> InputForm:
    value = text.strip()
    form = InputForm(text=value, kind="unsupported")
    scheme_match = _SCHEME.match(value)
    # A scheme is "<name>:/..." ("C:" is a drive, "heart-data:3" a data asset); "azureml:<name>" is handled below.
    scheme = None
    if scheme_match and len(scheme_match["scheme"]) > 1:
        rest = value[scheme_match.end() :]
        if rest.startswith("/") or scheme_match["scheme"].lower() == "azureml":
            scheme = scheme_match["scheme"].lower()
    form.scheme = scheme
    if value.startswith("azureml://"):
        return _azureml_uri(form, value)
    if value.lower().startswith("/subscriptions/"):
        return _arm_id(form, value)
    if scheme == "azureml":
        return _asset(form, value)
    if scheme in ("https", "http"):
        host = value.split("://", 1)[1].split("/", 1)[0]
        form.kind = "storage-url" if _STORAGE_HOST.search(host) else "web-url"
        form.remote_path = value.split("://", 1)[1].split("/", 1)[1] if "/" in value.split("://", 1)[1] else ""
        return form
    if scheme is not None:
        form.reason = _scheme_reason(scheme)
        return form
    local = Path(os.path.expanduser(value))
    if not local.is_absolute():
        local = base_dir / local
    if not local.exists() and ("@" in value or ":" in value) and _ASSET.match(value):
        return _asset(form, value)  # name:version or name@latest: the SDK reads it as a data asset
    return _local(form, local)


def _azureml_uri(form: InputForm, value: str) -> InputForm:
    for pattern in (_SHORT_DATASTORE, _LONG_DATASTORE):
        match = pattern.match(value)
        if match:
            form.kind = "datastore"
            form.datastore = match["datastore"]
            form.remote_path = match["path"]
            return form
    registry = _REGISTRY_DATA.match(value)
    if registry:
        form.kind = "data-asset"
        form.asset_name = registry["name"]
        form.asset_version = "registry"
        return form
    if value.startswith("azureml://datastores/"):
        form.reason = "a datastore URI needs '/paths/': azureml://datastores/<datastore>/paths/<path>"
    elif value.startswith("azureml://jobs/"):
        form.reason = (
            "a job's output URI is not accepted as a batch input: register the output as a data asset, or use its "
            "datastore path azureml://datastores/<datastore>/paths/<path>"
        )
    else:
        form.reason = (
            "batch endpoints take azureml://datastores/<datastore>/paths/<path> URIs or azureml:<data>:<version>"
        )
    return form


def _arm_id(form: InputForm, value: str) -> InputForm:
    match = _ARM_DATASTORE.match(value)
    if match:
        form.kind = "datastore"
        form.datastore = match["datastore"]
        form.remote_path = match["path"]
        return form
    data = _ARM_DATA.match(value)
    if data:
        form.kind = "data-asset"
        form.asset_name = data["name"]
        form.asset_version = data["version"]
        return form
    form.reason = (
        "an ARM id is accepted for a data asset version (.../data/<name>/versions/<version>) or a datastore path"
    )
    return form


def _asset(form: InputForm, value: str) -> InputForm:
    match = _ASSET.match(value)
    form.kind = "data-asset"
    if match is None:
        form.kind = "unsupported"
        form.reason = "a data asset is written azureml:<name>:<version> or azureml:<name>@latest"
        return form
    form.asset_name = match["name"]
    form.asset_version = match["version"]
    form.asset_label = match["label"]
    return form


def _scheme_reason(scheme: str) -> str:
    if scheme in ("wasb", "wasbs", "abfs", "abfss", "adl"):
        return (
            f"{scheme}:// URIs are not accepted: use the storage account's https URL "
            "(https://<account>.blob.core.windows.net/<container>/<path>) or a datastore URI "
            "(azureml://datastores/<datastore>/paths/<path>)"
        )
    if scheme in ("s3", "gs", "gcs", "ftp", "sftp", "hdfs"):
        return f"{scheme}:// storage is not read by batch endpoints: copy the data to Azure Storage or a datastore"
    if scheme in ("runs", "models"):
        return f"{scheme}:/ is a model URI, not input data"
    if scheme == "file":
        return "file:// URIs are not accepted: give the local path itself"
    return f"'{scheme}:' is not a form batch endpoints accept"


def _local(form: InputForm, path: Path) -> InputForm:
    form.kind = "local"
    form.local_path = path
    form.exists = path.exists()
    form.is_dir = path.is_dir()
    form.is_file = path.is_file()
    if form.is_dir:
        count = 0
        for _folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            count += len([f for f in files if not f.startswith(".")])
            if count >= MAX_LISTED:
                break
        form.file_count = count
    return form


def classify_output(text: str, file_name: str | None) -> OutputTarget:
    value = text.strip()
    target = OutputTarget(text=value, valid=False, file_name=file_name or DEFAULT_OUTPUT_FILE)
    match = None
    for pattern in (_SHORT_DATASTORE, _LONG_DATASTORE, _ARM_DATASTORE):
        match = pattern.match(value)
        if match:
            break
    if match is None:
        scheme = _SCHEME.match(value)
        if value.startswith("azureml://datastores/"):
            target.reason = "a datastore URI needs '/paths/': azureml://datastores/<datastore>/paths/<folder>"
        elif value.lower().startswith(("https://", "http://")):
            target.reason = "outputs are written to a registered Blob datastore, not to a URL"
        elif scheme is not None and len(scheme["scheme"]) > 1:
            target.reason = "outputs are written to a registered Blob datastore"
        else:
            target.reason = "outputs go to the cloud, not to a local folder"
        return target
    target.valid = True
    target.datastore = match["datastore"]
    groups = match.groupdict()
    target.workspace = groups.get("workspace")
    folder = match["path"].strip("/")
    last = folder.rsplit("/", 1)[-1]
    named_file = last == target.file_name or (not file_name and Path(last).suffix.lower() in DATA_FILE_SUFFIXES)
    if last and named_file:
        target.file_name = last
        folder = folder[: -len(last)].rstrip("/")
    target.folder = folder
    return target
