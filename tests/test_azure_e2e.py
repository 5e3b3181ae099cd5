"""``diagnose --name``, ``show`` and ``logs`` end to end: the real Azure CLI, azure-ai-ml and azure-storage-blob
against the fake Azure ML service (see ``azure_fixtures.py`` for the wiring)."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from azure_fixtures import *  # noqa: F403 - the fixtures: fake_aml, aml, az
from azure_fixtures import WS_ARGS, log_blob_gets

from tests.fake_aml import ARTIFACT_CONTAINER, BLOBSTORE_CONTAINER, FakeAmlServer, fixtures

BT = ("ml", "batch-troubleshoot")
MANIFEST = ".batchtroubleshoot.json"


def _cache(az: Any, job: str) -> Path:
    return Path(az.config_dir) / "batchtroubleshoot" / "jobs" / "ws" / job


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _child_logs(aml: FakeAmlServer, child: str) -> set[str]:
    prefix = f"ExperimentRun/dcid.{child}/"
    return {n[len(prefix) :] for n in aml.iter_blob_names() if n.startswith(prefix)}


# --------------------------------------------------------------------------------------------------- diagnose


def test_diagnose_failed_batch_job_finds_root_cause_and_never_reads_predictions(az: Any, aml: FakeAmlServer) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    report = run.json
    assert report["verdict"] == "failed"
    assert report["root_cause"]["rule_id"] == "BT101"  # No module named 'pandas', not the exit-42 symptom
    job = report["job"]
    assert job["name"] == fixtures.FAILED_CHILD and job["parent_name"] == fixtures.FAILED
    assert job["status"] == "Failed" and job["compute"] == "cpu-cluster"
    assert "status code 42" in job["error"]
    assert job["studio_url"].startswith(f"https://ml.azure.com/runs/{fixtures.FAILED}?wsid=")
    assert job["created_at"].startswith("2024-05-12T09:58:30") and job["ended_at"]

    # Only the logs of the parent and of its batchscoring step, never the predictions or the blobstore.
    assert aml.requests(fixtures.PREDICTIONS_NAME) == []
    assert aml.requests(f"/{BLOBSTORE_CONTAINER}") == []
    fetched = log_blob_gets(aml)
    assert fetched and all(
        p.startswith(
            (
                f"/{ARTIFACT_CONTAINER}/ExperimentRun/dcid.{fixtures.FAILED_CHILD}/",
                f"/{ARTIFACT_CONTAINER}/ExperimentRun/dcid.{fixtures.FAILED}/",
            )
        )
        for p in fetched
    )
    cache = _cache(az, fixtures.FAILED)
    assert _files(cache / fixtures.FAILED_CHILD) == _child_logs(aml, fixtures.FAILED_CHILD)
    assert "logs/azureml/executionlogs.txt" in _files(cache / fixtures.FAILED)
    assert report["sources"]["root"] == str(cache / fixtures.FAILED_CHILD)
    manifest = json.loads((cache / MANIFEST).read_text())
    assert manifest["job"] == fixtures.FAILED and len(manifest["files"]) == len(_files(cache)) - 1


def test_second_run_reuses_the_cache_changed_files_are_fetched_and_refresh_fetches_all(
    az: Any, aml: FakeAmlServer
) -> None:
    assert az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-o", "none").code == 0
    first = log_blob_gets(aml)
    assert first and len(first) == len(set(first))  # every non-empty log fetched once

    aml.clear_requests()
    assert az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-o", "none").code == 0
    assert log_blob_gets(aml) == []  # listing only: nothing downloaded again

    aml.append_log(fixtures.FAILED_CHILD, "user_logs/std_log_0.txt", "one more line\n")
    aml.clear_requests()
    assert az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-o", "none").code == 0
    assert [p.rsplit("/", 1)[-1] for p in log_blob_gets(aml)] == ["std_log_0.txt"]
    local = _cache(az, fixtures.FAILED) / fixtures.FAILED_CHILD / "user_logs" / "std_log_0.txt"
    assert local.read_text().endswith("one more line\n")

    aml.clear_requests()
    assert az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "--refresh", "-o", "none").code == 0
    assert sorted(log_blob_gets(aml)) == sorted(first)


def test_succeeded_batch_job_is_healthy(az: Any, aml: FakeAmlServer) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.SUCCEEDED, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    report = run.json
    assert report["verdict"] == "healthy"
    assert report["job"]["status"] == "Completed" and report["job"]["error"] is None
    assert aml.requests(fixtures.PREDICTIONS_NAME) == []


def test_command_job_is_analysed_from_its_own_logs(az: Any) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.COMMAND, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    report = run.json
    assert report["job"]["name"] == fixtures.COMMAND and report["job"]["parent_name"] is None
    assert report["sources"]["root"].endswith(f"/{fixtures.COMMAND}/{fixtures.COMMAND}")
    assert report["verdict"] == "healthy"


def test_running_job_is_analysed_as_it_stands(az: Any) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.RUNNING, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    assert run.json["job"]["status"] == "Running"
    assert run.json["verdict"] in ("running", "stalled")


def test_job_that_has_not_written_logs_yet(az: Any, aml: FakeAmlServer) -> None:
    fixtures.add_batch_job(aml, "batch-queued", child_tree=None, status="Queued", predictions_size=0)
    shown = az(*BT, "show", "-n", "batch-queued", *WS_ARGS, "-o", "json")
    assert shown.code == 0, shown.err
    assert shown.json["status"] == "Queued" and shown.json["log_files"] == []
    run = az(*BT, "diagnose", "-n", "batch-queued", *WS_ARGS)
    assert run.code == 1
    assert "has no log files yet (status: Queued)" in run.err and "--follow" in run.err


def test_text_output_in_a_terminal_shows_the_verdict_first(az: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("azext_batchtroubleshoot.custom.wants_human_text", lambda cmd: True)
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS)
    assert run.code == 0, run.err
    assert "FAILED" in run.out.splitlines()[0] and "BT101" in run.out


# --------------------------------------------------------------------------------------------------- errors


def test_missing_job_exits_3_and_names_the_workspace(az: Any) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.MISSING, *WS_ARGS)
    assert run.code == 3
    assert f"Job '{fixtures.MISSING}' was not found in workspace 'ws' (resource group 'rg'" in run.err
    assert "az ml job list -g rg -w ws" in run.err
    assert "Traceback" not in run.err


def test_missing_workspace_is_named(az: Any) -> None:
    run = az(*BT, "show", "-n", fixtures.FAILED, "-g", "rg", "-w", "no-such-ws")
    assert run.code == 3
    assert "Workspace 'no-such-ws' was not found in resource group 'rg'" in run.err


def test_forbidden_job_names_the_missing_role(az: Any) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.FORBIDDEN, *WS_ARGS)
    assert run.code == 1
    assert "not allowed to read job 'batch-forbidden'" in run.err
    assert "Microsoft.MachineLearningServices/workspaces/jobs/read" in run.err
    assert "AzureML Data Scientist" in run.err and "az role assignment create" in run.err
    assert "Traceback" not in run.err


def test_forbidden_storage_names_the_storage_role(az: Any, aml: FakeAmlServer) -> None:
    aml.add_fault(r"^/azureml\?.*comp=list", "status", status=403, count=-1, method="GET")  # the artifact store
    aml.add_fault(r"/ExperimentRun/", "status", status=403, count=-1, method="GET")  # and the log URLs
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS)
    assert run.code == 1, run.err
    assert "Storage Blob Data Reader" in run.err and "devstoreaccount1" in run.err


def test_service_503_twice_then_ok_succeeds(az: Any, aml: FakeAmlServer) -> None:
    aml.clear_faults()
    fixtures.arm_flaky_job(aml, retry_after=0)
    run = az(*BT, "diagnose", "-n", fixtures.FLAKY, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    assert run.json["verdict"] == "healthy"
    statuses = [r.status for r in aml.requests(f"/jobs/{fixtures.FLAKY}") if r.path.endswith(fixtures.FLAKY)]
    assert statuses[:3] == [503, 503, 200]


def test_service_failing_for_good_is_explained_after_retries(az: Any, aml: FakeAmlServer) -> None:
    aml.add_fault(rf"/jobs/{fixtures.SUCCEEDED}(\?|$)", "status", status=503, count=-1, method="GET")
    run = az(*BT, "diagnose", "-n", fixtures.SUCCEEDED, *WS_ARGS)
    assert run.code == 1
    assert "kept failing while reading job 'batch-succeeded' (HTTP 503" in run.err
    assert "try again in a few minutes" in run.err
    assert len(aml.requests(f"/jobs/{fixtures.SUCCEEDED}")) > 2  # retried with back-off first


def test_not_signed_in_says_az_login(az: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real Profile, on an empty config dir
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(az.config_dir))
    run = az(*BT, "show", "-n", fixtures.FAILED, *WS_ARGS)
    assert run.code == 1
    assert "not signed in" in run.err and "az login" in run.err


def test_workspace_is_required_with_name(az: Any) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, "-g", "rg")
    assert run.code in (1, 2)
    assert "--workspace-name/-w" in run.err and "az configure --defaults" in run.err


def test_name_and_log_dir_are_exclusive(az: Any, tmp_path: Path) -> None:
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "--log-dir", str(tmp_path))
    assert run.code != 0 and "either --log-dir or --name" in run.err


def test_defaults_from_az_configure(az: Any) -> None:
    assert az("configure", "--defaults", "group=rg", "workspace=ws").code == 0
    run = az(*BT, "show", "-n", fixtures.SUCCEEDED, "--query", "status", "-o", "tsv")
    assert run.code == 0, run.err
    assert run.out.strip() == "Completed"


# --------------------------------------------------------------------------------------------------- download safety


def test_download_path_holding_other_files_is_refused_without_overwrite(az: Any, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("my own file")
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "--download-path", str(target))
    assert run.code == 1
    assert "already holds other files" in run.err and "--overwrite" in run.err
    assert _files(target) == {"notes.txt"}

    run = az(
        *BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "--download-path", str(target), "--overwrite", "-o", "json"
    )
    assert run.code == 0, run.err
    assert (target / "notes.txt").read_text() == "my own file"
    assert (target / fixtures.FAILED_CHILD / "logs" / "job_result.txt").is_file()
    # Ours now: a second run needs no --overwrite, a different job does.
    assert az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-p", str(target), "-o", "none").code == 0
    other = az(*BT, "diagnose", "-n", fixtures.SUCCEEDED, *WS_ARGS, "-p", str(target), "-o", "none")
    assert other.code == 1 and "holds the logs of another job" in other.err


HOSTILE = (
    "logs/../../../../escaped-up.txt",
    "logs/sys/../../../escaped-dotdot.txt",
    "logs/..\\..\\escaped-backslash.txt",
    "logs//sys/double-slash.txt",
    "logs/sys/node/0/./dot.txt",
    "/logs/absolute.txt",
    "logs/C:/drive.txt",
)


def test_hostile_blob_names_never_escape_the_download_folder(az: Any, aml: FakeAmlServer, tmp_path: Path) -> None:
    prefix = f"ExperimentRun/dcid.{fixtures.FAILED_CHILD}/"
    for name in HOSTILE:
        aml.state.put_blob(ARTIFACT_CONTAINER, prefix + name, b"pwned\n")
    target = tmp_path / "box" / "download"
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-p", str(target), "-o", "json")
    assert run.code == 0, run.err
    assert run.json["root_cause"]["rule_id"] == "BT101"
    assert [p.name for p in (tmp_path / "box").iterdir()] == ["download"]
    assert not [p for p in tmp_path.rglob("*") if "escaped" in p.name or "absolute" in p.name]
    assert not [p for p in Path("/").glob("escaped*")]
    written = _files(target)
    assert not [f for f in written if "escaped" in f or "absolute" in f or "double-slash" in f or "dot.txt" in f]
    assert "Skipped the log file" in run.err
    requested = " ".join(r.path for r in aml.requests(host_contains=".blob."))
    assert "escaped" not in requested and "pwned" not in requested  # refused names are never even fetched
    # "logs/C:/drive.txt" is a legal relative path on Linux, and it stays inside the folder.
    assert all(not os.path.isabs(f) and ".." not in f.split("/") for f in written)


def test_interrupted_download_leaves_a_consistent_cache_and_a_rerun_resumes(az: Any, aml: FakeAmlServer) -> None:
    broken = f"dcid.{fixtures.FAILED_CHILD}/logs/sys/master_role.txt"
    aml.add_fault(re.escape(broken), "reset", count=-1)
    aml.add_fault(re.escape(f"dcid.{fixtures.FAILED_CHILD}/logs/job_result.txt"), "truncate", count=1)
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS)
    assert run.code == 1
    assert "download of 1 of" in run.err and "interrupted" in run.err and "again" in run.err
    cache = _cache(az, fixtures.FAILED)
    files = _files(cache)
    assert not [f for f in files if f.endswith(".bt-partial")]  # no partial file left behind
    assert f"{fixtures.FAILED_CHILD}/logs/sys/master_role.txt" not in files
    manifest = json.loads((cache / MANIFEST).read_text())
    assert f"{fixtures.FAILED_CHILD}/logs/sys/master_role.txt" not in manifest["files"]
    # The truncated body was retried: the file is complete, and recorded with its full size.
    result = cache / fixtures.FAILED_CHILD / "logs" / "job_result.txt"
    expected = (fixtures.DATA_DIR / fixtures.FAILED_CHILD / "logs" / "job_result.txt").read_bytes()
    assert result.read_bytes() == expected
    assert manifest["files"][f"{fixtures.FAILED_CHILD}/logs/job_result.txt"]["size"] == len(expected)

    aml.clear_faults()
    aml.clear_requests()
    rerun = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-o", "json")
    assert rerun.code == 0, rerun.err
    assert [p.rsplit("/", 1)[-1] for p in log_blob_gets(aml)] == ["master_role.txt"]
    assert rerun.json["root_cause"]["rule_id"] == "BT101"


# --------------------------------------------------------------------------------------------------- show


def test_show_lists_steps_and_log_files_without_downloading(az: Any, aml: FakeAmlServer) -> None:
    run = az(*BT, "show", "-n", fixtures.FAILED, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    shown = run.json
    assert shown["status"] == "Failed" and shown["is_batch_job"] is True
    assert shown["studio_url"].startswith("https://ml.azure.com/runs/batch-failed")
    assert "Pipeline has failed child jobs" in shown["error"]
    assert shown["children"] == [
        {
            "name": fixtures.FAILED_CHILD,
            "display_name": "batchscoring",
            "status": "Failed",
            "error": shown["children"][0]["error"],
        }
    ]
    assert "status code 42" in shown["children"][0]["error"]
    sizes = {(f["run"], f["path"]): f["size"] for f in shown["log_files"]}
    expected = (fixtures.DATA_DIR / fixtures.FAILED_CHILD / "logs" / "user" / "error.txt").stat().st_size
    assert sizes[(fixtures.FAILED_CHILD, "logs/user/error.txt")] == expected
    assert log_blob_gets(aml) == []  # listed, not downloaded
    table = az(*BT, "show", "-n", fixtures.FAILED, *WS_ARGS, "-o", "table")
    assert table.code == 0 and "batchscoring" in table.out and "Failed" in table.out


# --------------------------------------------------------------------------------------------------- logs


def test_logs_prints_every_file_with_a_prefix_filters_and_masks_secrets(az: Any, aml: FakeAmlServer) -> None:
    aml.append_log(
        fixtures.FAILED_CHILD,
        "logs/sys/node/0/process000.txt",
        "connecting with https://acct.blob.core.windows.net/c/b?sv=2021&sig=SECRETSIG123 password=hunter2\n",
    )
    run = az(*BT, "logs", "-n", fixtures.FAILED, *WS_ARGS)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert "[logs/user/error/0/process000.txt] ModuleNotFoundError: No module named 'pandas'" in lines
    assert any(line.startswith(f"[{fixtures.FAILED}:logs/azureml/executionlogs.txt] ") for line in lines)
    assert "SECRETSIG123" not in run.out and "hunter2" not in run.out and "sig=***" in run.out

    only = az(
        *BT, "logs", "-n", fixtures.FAILED, *WS_ARGS, "--file", "logs/sys/node/*", "--node", "0", "--grep", "sig="
    )
    assert only.code == 0, only.err
    assert only.out.splitlines() == [
        "[logs/sys/node/0/process000.txt] connecting with https://acct.blob.core.windows.net/c/b?sv=***&sig=*** "
        "password=***"
    ]
    assert az(*BT, "logs", "-n", fixtures.FAILED, *WS_ARGS, "--node", "7").out == ""
    bad = az(*BT, "logs", "-n", fixtures.FAILED, *WS_ARGS, "--grep", "(")
    assert bad.code == 1 and "--grep is not a valid regular expression" in bad.err


def test_logs_since_a_time_keeps_later_records_with_their_tracebacks(az: Any) -> None:
    error_file = "[logs/user/error/0/process000.txt]"
    errors = (*BT, "logs", "-n", fixtures.FAILED, *WS_ARGS, "--file", "logs/user/error/*")
    everything = az(*errors)
    later = az(*errors, "--since", "2024-05-12T10:00:30")
    assert everything.code == later.code == 0, later.err
    kept = later.out.splitlines()
    assert kept[0] == f"{error_file} 2024-05-12 10:00:54,120|ERROR|334|init() failed for process000."
    assert kept == everything.out.splitlines()[-len(kept) :]  # the tail of the file: the records from 10:00:30 on
    assert kept[-1] == f"{error_file} ModuleNotFoundError: No module named 'pandas'"  # a traceback goes with its record
    assert not any("10:00:24" in line for line in kept) and len(kept) < len(everything.out.splitlines())
    assert az(*errors, "--since", "2024-05-12T12:00:30+02:00").out == later.out  # a zoned time is taken as UTC
    bad = az(*BT, "logs", "-n", fixtures.FAILED, *WS_ARGS, "--since", "yesterday")
    assert bad.code == 1 and "--since 'yesterday' is neither a duration" in bad.err


def _drive_running_job(aml: FakeAmlServer, stop: threading.Event) -> None:
    """Once the follower has read the logs once, grow them tick by tick until the job completes."""
    deadline = time.monotonic() + 30
    while not stop.is_set() and time.monotonic() < deadline:
        if any(f"dcid.{fixtures.RUNNING_CHILD}/user_logs" in p for p in log_blob_gets(aml)):
            break
        time.sleep(0.02)
    for _ in range(fixtures.RUNNING_TOTAL_TICKS + 1):
        if stop.is_set():
            return
        aml.tick()
        time.sleep(0.08)


def test_follow_streams_growing_logs_survives_errors_and_ends_with_the_verdict(az: Any, aml: FakeAmlServer) -> None:
    # Armed once the loop is under way: the artifact store's listing fails (the run-details log URLs take over)
    # and the job's status fails more often than the SDK retries, so the follow loop itself must back off.
    listing = aml.add_fault(r"^/azureml\?.*comp=list", "status", status=503, count=0, method="GET")
    status = aml.add_fault(rf"/jobs/{fixtures.RUNNING}(\?|$)", "status", status=503, count=0, method="GET")
    stop = threading.Event()

    def drive() -> None:
        _wait_first_read(aml)
        listing.count, status.count = 12, 12
        _drive_running_job(aml, stop)

    driver = threading.Thread(target=drive, daemon=True)
    driver.start()
    try:
        run = az(*BT, "logs", "-n", fixtures.RUNNING, *WS_ARGS, "--follow")
    finally:
        stop.set()
        driver.join(timeout=10)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    heartbeats = [line for line in lines if line.startswith("[user_logs/std_log_0.txt] [") and "Heartbeat" in line]
    assert [int(h.rsplit(" ", 1)[-1].rstrip(".")) for h in heartbeats] == list(range(2, 14))  # each once, in order
    assert (
        "[logs/job_progress_overview.2024051407.txt] 2024-05-14T07:03:01.000001 All 120 mini batches have been "
        "processed." in lines
    )
    assert any(line.startswith(f"[{fixtures.RUNNING}:logs/azureml/executionlogs.txt]") for line in lines)
    assert re.search(r"^--- batch-running is Completed: \d+ lines from \d+ log files\.$", run.out, re.M)
    assert "--- Diagnosis: HEALTHY" in run.out
    assert "trying again" in run.err  # the 503s were reported, then survived
    assert "Traceback" not in run.err
    assert aml.requests(fixtures.PREDICTIONS_NAME) == []
    ranged = [r for r in aml.requests("std_log_0.txt", host_contains=".blob.") if r.range]
    assert any(r.range and not r.range.startswith("bytes=0-") for r in ranged)  # new bytes were read with ranged GETs


def _wait_first_read(aml: FakeAmlServer) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(f"dcid.{fixtures.RUNNING_CHILD}/" in p for p in log_blob_gets(aml)):
            return
        time.sleep(0.02)


def test_ctrl_c_while_following_exits_130_and_says_the_job_keeps_running(
    az: Any, aml: FakeAmlServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azext_batchtroubleshoot.azure import follow

    def interrupted(self: Any) -> Any:
        self.print_once()
        raise KeyboardInterrupt

    monkeypatch.setattr(follow.Follower, "follow", interrupted)
    run = az(*BT, "logs", "-n", fixtures.RUNNING, *WS_ARGS, "--follow")
    assert run.code == 130
    assert "keeps running" in run.err and "az ml job cancel -n batch-running" in run.err
    assert "Traceback" not in run.err
    assert "[user_logs/std_log_0.txt] Azure Machine Learning Batch Inference Start" in run.out.splitlines()
