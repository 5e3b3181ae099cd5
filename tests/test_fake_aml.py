"""The fake Azure ML service, driven by the real azure-ai-ml SDK, azure-storage-blob and a subprocess ``az``.

These tests pin the fake to what the real clients do, so the extension's end-to-end tests can trust it. The server
runs in-process for the whole session; every test starts from the initial fixtures (``fake.reset()``).

``*.localhost`` resolution: in this process :func:`localhost_resolution` patches ``socket.getaddrinfo`` for names
ending in ``.localhost`` only; subprocesses get the same through ``tests/fake_aml/pythonpath/sitecustomize.py`` on
``PYTHONPATH`` or through the fake's loopback-only CONNECT proxy. No /etc/hosts entry is needed.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

if TYPE_CHECKING:
    import tests.fake_aml as fa
else:
    try:
        import tests.fake_aml as fa
    except ModuleNotFoundError:  # plain `pytest` puts tests/ (it has no __init__.py) on sys.path, not the root
        import fake_aml as fa

FakeAmlServer = fa.FakeAmlServer
PatternContent = fa.PatternContent
fixtures = fa.fixtures
ARTIFACT_CONTAINER = fa.ARTIFACT_CONTAINER
BLOBSTORE_CONTAINER = fa.BLOBSTORE_CONTAINER
CLOUD_NAME = fa.CLOUD_NAME
RESOURCE_GROUP = fa.RESOURCE_GROUP
STORAGE_ACCOUNT = fa.STORAGE_ACCOUNT
SUBSCRIPTION_ID = fa.SUBSCRIPTION_ID
TENANT_ID = fa.TENANT_ID
WORKSPACE = fa.WORKSPACE
AZ = Path(sys.executable).with_name("az")
PREDICTIONS_SIZE = 50 * fixtures.MB


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeAmlServer]:
    with fa.running_fake_aml(predictions_size=PREDICTIONS_SIZE) as server, pytest.MonkeyPatch.context() as mp:
        for key, value in server.sdk_env().items():
            mp.setenv(key, value)
        mp.delenv("AZUREML_CURRENT_CLOUD", raising=False)  # the SDK sets it from ARM_CLOUD_METADATA_URL
        installed = fa.install_localhost_resolution()
        try:
            yield server
        finally:
            if installed:
                fa.uninstall_localhost_resolution()
            os.environ.pop("AZUREML_CURRENT_CLOUD", None)


@pytest.fixture(autouse=True)
def fresh(fake: FakeAmlServer) -> Iterator[FakeAmlServer]:
    """Every test starts from the initial fixtures and must not hit a missing route or a bug in the fake."""
    fake.reset()
    fa.forget_sdk_cloud()  # another fake in this session (other port, same cloud name) must not be reached
    yield fake
    problems = [r for r in fake.requests() if r.note and r.note.startswith(("no route", "fake bug"))]
    assert not problems, [(r.method, r.path, r.note) for r in problems]


@pytest.fixture(scope="session")
def ml(fake: FakeAmlServer) -> Any:
    from azure.ai.ml import MLClient

    return MLClient(
        fa.StaticTokenCredential(),
        SUBSCRIPTION_ID,
        RESOURCE_GROUP,
        WORKSPACE,
        show_progress=False,
        enable_telemetry=False,
        retry_backoff_factor=0.05,  # azure-core RetryPolicy: keep back-off short when no Retry-After is sent
    )


def _paths(fake: FakeAmlServer, contains: str = "") -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in fake.requests(contains) if "/metadata/endpoints" not in r.path]


# --------------------------------------------------------------------------------------------------- cloud, TLS


def test_cloud_metadata_has_both_shapes_and_points_at_the_fake(fake: FakeAmlServer) -> None:
    listed = requests.get(fake.metadata_url, timeout=10).json()
    single = requests.get(f"{fake.base_url}/metadata/endpoints?api-version=2022-09-01", timeout=10).json()
    assert isinstance(listed, list) and len(listed) == 1
    assert listed[0] == single
    assert single["resourceManager"] == fake.base_url + "/"
    assert single["suffixes"]["storage"] == f"core.localhost:{fake.port}"
    assert single["name"] not in ("AzureCloud", "AzureChinaCloud", "AzureUSGovernment")


def test_certificate_covers_blob_host_and_bundle_keeps_public_roots(fake: FakeAmlServer) -> None:
    from cryptography import x509

    leaf = x509.load_pem_x509_certificates(fake.cert.cert.read_bytes())[0]
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "*.blob.core.localhost", "devstoreaccount1.blob.core.localhost"} <= set(
        sans.get_values_for_type(x509.DNSName)
    )
    bundle = fake.ca_bundle.read_text()
    assert fake.cert.ca_cert.read_text() in bundle
    assert bundle.count("BEGIN CERTIFICATE") > 10  # certifi / system roots are still there
    with socket.create_connection(("127.0.0.1", fake.port)) as raw:
        context = ssl.create_default_context(cafile=str(fake.ca_bundle))
        with context.wrap_socket(raw, server_hostname=f"{STORAGE_ACCOUNT}.blob.core.localhost") as tls:
            assert tls.version() is not None


# --------------------------------------------------------------------------------------------------- SDK: jobs


def test_get_batch_parent_is_a_failed_pipeline_with_batch_tags(ml: Any, fake: FakeAmlServer) -> None:
    job = ml.jobs.get(fixtures.FAILED)
    assert type(job).__name__ == "PipelineJob"
    assert job.name == fixtures.FAILED
    assert job.status == "Failed"
    assert job.tags["azureml.batchrun"] == "true"
    assert (
        "GET",
        f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{RESOURCE_GROUP}/providers/"
        f"Microsoft.MachineLearningServices/workspaces/{WORKSPACE}/jobs/{fixtures.FAILED}",
        200,
    ) in _paths(fake)


def test_list_children_returns_the_batchscoring_step(ml: Any, fake: FakeAmlServer) -> None:
    children = list(ml.jobs.list(parent_job_name=fixtures.FAILED))
    assert [(c.name, c.display_name, c.status) for c in children] == [(fixtures.FAILED_CHILD, "batchscoring", "Failed")]
    paths = [p for _, p, _ in _paths(fake)]
    assert any(p.endswith(f"/runs/{fixtures.FAILED}/children") and p.startswith("/history/v1.0/") for p in paths)
    assert "/discovery" in paths


def test_get_pipeline_child_goes_through_run_history(ml: Any, fake: FakeAmlServer) -> None:
    child = ml.jobs.get(fixtures.FAILED_CHILD)
    assert child.name == fixtures.FAILED_CHILD
    assert child.display_name == "batchscoring"
    assert child.status == "Failed"
    paths = [p for _, p, _ in _paths(fake)]
    arm_get = next(i for i, p in enumerate(paths) if p.endswith(f"/jobs/{fixtures.FAILED_CHILD}"))
    history_get = next(i for i, p in enumerate(paths) if p.endswith(f"/runs/{fixtures.FAILED_CHILD}"))
    assert arm_get < history_get  # ARM answered properties: null, so the SDK fell back to run history


def test_run_details_log_files_are_fetchable_sas_urls(ml: Any) -> None:
    details = ml.jobs._runs_operations.get_run_details(fixtures.FAILED_CHILD)
    assert "exited with status code 42" in details.error.error.message
    logs = details.log_files
    assert {"user_logs/std_log_0.txt", "logs/user/error/0/process000.txt", "logs/sys/master_role.txt"} <= set(logs)
    std_log = requests.get(logs["user_logs/std_log_0.txt"], timeout=10)
    assert std_log.status_code == 200
    assert std_log.text.rstrip().endswith("SystemExit: 42")
    error_log = requests.get(logs["logs/user/error/0/process000.txt"], timeout=10).text
    assert "ModuleNotFoundError: No module named 'pandas'" in error_log
    overview = next(name for name in logs if name.startswith("logs/job_progress_overview"))
    assert "Start the simulator." in requests.get(logs[overview], timeout=10).text


def test_download_of_child_logs_never_touches_predictions(ml: Any, fake: FakeAmlServer, tmp_path: Path) -> None:
    ml.jobs.download(fixtures.FAILED_CHILD, download_path=tmp_path)
    artifacts = tmp_path / "artifacts"
    assert "No module named 'pandas'" in (artifacts / "logs/user/error/0/process000.txt").read_text()
    assert (artifacts / "user_logs/std_log_0.txt").read_text().rstrip().endswith("SystemExit: 42")
    blob_requests = fake.requests(host_contains=".blob.")
    assert len(blob_requests) > 5
    assert all(ARTIFACT_CONTAINER + "/" in r.path or r.path == f"/{ARTIFACT_CONTAINER}" for r in blob_requests)
    assert fake.requests(fixtures.PREDICTIONS_NAME) == []
    assert fake.requests(BLOBSTORE_CONTAINER) == []


def test_download_all_of_a_child_does_fetch_predictions(ml: Any, fake: FakeAmlServer, tmp_path: Path) -> None:
    """The trap the extension must avoid: ``all=True`` resolves the ``score`` output and downloads it."""
    tree = tmp_path / "tree"
    (tree / "user_logs").mkdir(parents=True)
    (tree / "user_logs/std_log_0.txt").write_text("Azure Machine Learning Batch Inference Start\n")
    names = fixtures.add_batch_job(fake, "custom-batch", child_tree=tree, predictions_size=300_000)
    assert [c.name for c in ml.jobs.list(parent_job_name="custom-batch")] == [names.child]
    ml.jobs.download(names.child, download_path=tmp_path / "out", all=True)
    predictions = tmp_path / "out/named-outputs/score/predictions.csv"
    assert predictions.read_bytes() == PatternContent(300_000).read(0, 300_000)
    assert [r.status for r in fake.requests(names.predictions_blob)] == [206]


def test_missing_job_raises_resource_not_found(ml: Any) -> None:
    from azure.core.exceptions import ResourceNotFoundError

    with pytest.raises(ResourceNotFoundError) as caught:
        ml.jobs.get(fixtures.MISSING)
    assert caught.value.status_code == 404
    assert caught.value.error is not None and caught.value.error.code == "UserError"
    assert fixtures.MISSING in str(caught.value)


def test_forbidden_job_names_the_missing_action(ml: Any) -> None:
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError) as caught:
        ml.jobs.get(fixtures.FORBIDDEN)
    assert caught.value.status_code == 403
    assert caught.value.error is not None and caught.value.error.code == "AuthorizationFailed"
    assert "Microsoft.MachineLearningServices/workspaces/jobs/read" in str(caught.value)


def test_flaky_job_succeeds_after_two_503_with_retry_after(ml: Any, fake: FakeAmlServer) -> None:
    started = time.monotonic()
    job = ml.jobs.get(fixtures.FLAKY)
    elapsed = time.monotonic() - started
    assert job.name == fixtures.FLAKY
    assert [s for _, _, s in _paths(fake, f"/jobs/{fixtures.FLAKY}")] == [503, 503, 200]
    assert elapsed >= 1.9  # Retry-After: 1, twice


def test_sdk_recovers_from_reset_and_truncated_responses(ml: Any, fake: FakeAmlServer) -> None:
    ml.jobs.get(fixtures.SUCCEEDED_CHILD)  # warm the discovery cache so the faults hit run history only
    fake.clear_requests()
    fake.add_fault(rf"/runs/{fixtures.SUCCEEDED_CHILD}/details", "reset", count=1)
    fake.add_fault(rf"/runs/{fixtures.SUCCEEDED_CHILD}/details", "truncate", count=1)
    details = ml.jobs._runs_operations.get_run_details(fixtures.SUCCEEDED_CHILD)
    assert details.status == "Completed"
    records = fake.requests(f"/runs/{fixtures.SUCCEEDED_CHILD}/details")
    assert [(r.fault or "").split(":")[0] for r in records] == ["reset", "truncate", ""]
    assert records[-1].status == 200


# --------------------------------------------------------------------------------------------------- blob API


def test_blob_listing_paging_and_ranges_with_the_datastore_key(ml: Any, fake: FakeAmlServer) -> None:
    from azure.storage.blob import BlobServiceClient

    datastore = ml.datastores.get("workspaceartifactstore", include_secrets=True)
    assert datastore.account_name == STORAGE_ACCOUNT
    service = BlobServiceClient(
        fake.blob_account_url,
        credential={"account_name": datastore.account_name, "account_key": datastore.credentials.account_key},
    )
    artifacts = service.get_container_client(datastore.container_name)
    prefix = f"ExperimentRun/dcid.{fixtures.FAILED_CHILD}/"
    names = [b.name for b in artifacts.list_blobs(name_starts_with=prefix, include="metadata")]
    assert f"{prefix}logs/user/error/0/process000.txt" in names
    paged = [
        b.name for page in artifacts.list_blobs(name_starts_with=prefix, results_per_page=4).by_page() for b in page
    ]
    assert paged == names
    top = {item.name for item in artifacts.walk_blobs(name_starts_with=prefix)}
    assert top == {f"{prefix}azureml-logs/", f"{prefix}logs/", f"{prefix}system_logs/", f"{prefix}user_logs/"}

    predictions = service.get_blob_client(BLOBSTORE_CONTAINER, f"azureml/{fixtures.FAILED_CHILD}/score/predictions.csv")
    assert predictions.get_blob_properties().size == PREDICTIONS_SIZE
    expected = PatternContent(PREDICTIONS_SIZE)
    tail = predictions.download_blob(offset=PREDICTIONS_SIZE - 100, length=100).readall()
    assert tail == expected.read(PREDICTIONS_SIZE - 100, PREDICTIONS_SIZE)
    middle = predictions.download_blob(offset=1_000_003, length=57).readall()
    assert middle == expected.read(1_000_003, 1_000_060)
    assert [r.range for r in fake.requests("predictions.csv") if r.method == "GET"] == [
        f"bytes={PREDICTIONS_SIZE - 100}-{PREDICTIONS_SIZE - 1}",
        "bytes=1000003-1000059",
    ]
    sent = sum(r.bytes_sent for r in fake.requests("predictions.csv"))
    assert sent == 157  # only the requested ranges left the server


# --------------------------------------------------------------------------------------------------- running job


def test_running_job_grows_via_admin_api_and_completes(ml: Any, fake: FakeAmlServer) -> None:
    def admin(action: str, body: dict[str, Any]) -> Any:
        reply = requests.post(f"{fake.base_url}/_admin/{action}", json=body, timeout=10)
        reply.raise_for_status()
        return reply.json()

    details = ml.jobs._runs_operations.get_run_details(fixtures.RUNNING_CHILD)
    assert details.status == "Running"
    url = details.log_files[fixtures.RUNNING_OVERVIEW]
    before = requests.get(url, timeout=10).content
    admin("tick", {"times": 2})
    admin("append_log", {"job": fixtures.RUNNING_CHILD, "path": fixtures.RUNNING_STD_LOG, "text": "custom line\n"})
    grown = requests.get(url, headers={"x-ms-range": f"bytes={len(before)}-"}, timeout=10)
    assert grown.status_code == 206
    assert grown.text.startswith("2024-05-14T07:00:51.000002 Processed 10 of 120 mini batches in 0:00:10.")
    assert "Processed 20 of 120" in grown.text
    std_log = requests.get(details.log_files[fixtures.RUNNING_STD_LOG], timeout=10).text
    assert std_log.endswith("Heartbeat 3.\ncustom line\n")
    assert ml.jobs.get(fixtures.RUNNING).status == "Running"

    admin("tick", {"times": fixtures.RUNNING_TOTAL_TICKS})
    assert ml.jobs.get(fixtures.RUNNING).status == "Completed"
    final = ml.jobs._runs_operations.get_run_details(fixtures.RUNNING_CHILD)
    assert final.status == "Completed" and final.end_time_utc is not None
    assert "All 120 mini batches have been processed." in requests.get(url, timeout=10).text

    admin("set_status", {"job": fixtures.RUNNING, "status": "Canceled"})
    assert ml.jobs.get(fixtures.RUNNING).status == "Canceled"
    logged = requests.get(f"{fake.base_url}/_admin/requests", timeout=10).json()
    assert any(r["path"].endswith(f"/runs/{fixtures.RUNNING_CHILD}/details") for r in logged)


def test_fault_kinds_over_plain_https(fake: FakeAmlServer) -> None:
    url = f"{fake.base_url}/discovery"
    fake.add_fault("/discovery", status=429, retry_after=7)
    throttled = requests.get(url, timeout=10)
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "7")
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    fake.add_fault("/discovery", "delay", delay=0.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, timeout=0.2)
    fake.add_fault("/discovery", "reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url, timeout=10)
    fake.add_fault("/discovery", "truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(url, timeout=10)
    assert requests.get(url, timeout=10).json()["api"] == fake.base_url  # each fault was for one request only


def test_request_log_is_mirrored_to_a_json_lines_file(fake: FakeAmlServer, tmp_path: Path) -> None:
    log_file = tmp_path / "requests.jsonl"
    fake.state.request_log_file = log_file
    try:
        url = fake.shapes.log_url(fake.state.jobs[fixtures.COMMAND], "user_logs/std_log.txt")
        assert "accuracy=0.9412" in requests.get(url, headers={"Range": "bytes=0-"}, timeout=10).text
    finally:
        fake.state.request_log_file = None
    lines = log_file.read_text().splitlines()
    assert len(lines) == 1, lines
    (line,) = lines
    record = json.loads(line)
    assert record["path"] == f"/{ARTIFACT_CONTAINER}/ExperimentRun/dcid.{fixtures.COMMAND}/user_logs/std_log.txt"
    assert (record["method"], record["status"], record["auth"], record["range"]) == ("GET", 206, "SAS", "bytes=0-")
    assert "sig=" in record["query"]


# --------------------------------------------------------------------------------------------------- subprocesses


def test_subprocess_resolves_blob_host_through_sitecustomize(fake: FakeAmlServer, tmp_path: Path) -> None:
    probe = (
        "import socket, sys, requests\n"
        "host = 'devstoreaccount1.blob.core.localhost'\n"
        "print(socket.getaddrinfo(host, 443)[0][4][0])\n"
        "print(requests.get(sys.argv[1], timeout=10).text.splitlines()[-1])\n"
    )
    url = fake.shapes.log_url(fake.state.jobs[fixtures.FAILED_CHILD], "user_logs/std_log_0.txt")
    env = fake.subprocess_env(tmp_path / "az", guard=False)  # no proxy: name resolution must come from PYTHONPATH
    done = subprocess.run(
        [sys.executable, "-c", probe, url], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["127.0.0.1", "SystemExit:", "42"]

    env.pop("PYTHONPATH")
    control = subprocess.run(
        [sys.executable, "-c", probe, url], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert control.returncode != 0 and "gaierror" in control.stderr


def test_proxy_tunnels_to_the_fake_and_refuses_everything_else(fake: FakeAmlServer) -> None:
    assert fake.proxy_url is not None
    proxies = {"https": fake.proxy_url, "http": fake.proxy_url}
    url = fake.shapes.log_url(fake.state.jobs[fixtures.FAILED_CHILD], "user_logs/std_log_0.txt")
    assert requests.get(url, proxies=proxies, timeout=10).text.rstrip().endswith("SystemExit: 42")
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://management.azure.com/subscriptions", proxies=proxies, timeout=10)
    blocked = [r for r in fake.requests() if r.note and r.note.startswith("blocked")]
    assert [(r.method, r.host) for r in blocked] == [("CONNECT", "management.azure.com:443")]


@pytest.mark.skipif(not AZ.exists(), reason=f"azure-cli's `az` is not installed next to {sys.executable}")
def test_subprocess_az_logs_in_with_fake_managed_identity(fake: FakeAmlServer) -> None:
    with tempfile.TemporaryDirectory(prefix="fake-aml-az-") as config_dir:
        env = fake.subprocess_env(config_dir)

        def az(*args: str) -> Any:
            done = subprocess.run(
                [str(AZ), *args, "-o", "json"], check=False, env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

        accounts = az("login", "--identity")
        assert [(a["id"], a["tenantId"]) for a in accounts] == [(SUBSCRIPTION_ID, TENANT_ID)]
        shown = az("account", "show")
        assert shown["user"] == {
            "assignedIdentityInfo": "MSI",
            "name": "systemAssignedIdentity",
            "type": "servicePrincipal",
        }
        assert shown["environmentName"] == CLOUD_NAME
        token = az("account", "get-access-token")
        assert token["subscription"] == SUBSCRIPTION_ID and token["tokenType"] == "Bearer"

    assert [s for _, _, s in _paths(fake, "/msi/token")] == [200, 200]
    assert [s for _, _, s in _paths(fake, "/subscriptions")] == [200]
    assert not [r for r in fake.requests() if r.note], "az tried to reach something other than the fake"
