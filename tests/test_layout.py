"""Finding the log root and classifying every file family (shared/reference/log-formats.md §1)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.core.errors import LogFolderError
from azext_batchtroubleshoot.logs.facts import collect
from azext_batchtroubleshoot.logs.layout import FileKind, classify, find_root, walk_tree

OVERVIEW_LINE = "2024-05-12T10:00:01.102938 Start the simulator.\n"
MASTER_LINE = "2024-05-12 10:00:01,269|INFO|356|140501711763200|Start scheduling.\n"

# ---------------------------------------------------------------------------------------------------
# Root discovery


def test_root_is_the_folder_itself(sample_dir: Path) -> None:
    root, prefix = find_root(str(sample_dir))
    assert (root, prefix) == (str(sample_dir), "")


def test_root_in_artifacts_as_az_ml_job_download_writes_it(tmp_path: Path, sample_dir: Path) -> None:
    shutil.copytree(sample_dir, tmp_path / "artifacts")
    (tmp_path / "named-outputs" / "score").mkdir(parents=True)
    (tmp_path / "named-outputs" / "score" / "predictions.csv").write_text("file,label\na.csv,1\n")
    root, prefix = find_root(str(tmp_path))
    assert (Path(root), prefix) == (tmp_path / "artifacts", "")
    report = analyse_folder(str(tmp_path)).to_dict()
    assert report["root_cause"]["rule_id"] == "BT101"
    assert report["sources"]["root"] == str(tmp_path / "artifacts")
    assert report["root_cause"]["evidence"][0]["path"].startswith("logs/user/error/")


def test_root_nested_one_level_down(tmp_path: Path, sample_dir: Path) -> None:
    shutil.copytree(sample_dir, tmp_path / "batchscoring-3f1d2c9a")
    root, _ = find_root(str(tmp_path))
    assert Path(root) == tmp_path / "batchscoring-3f1d2c9a"


def test_root_nested_under_artifacts_of_a_job_folder(tmp_path: Path, sample_dir: Path) -> None:
    shutil.copytree(sample_dir, tmp_path / "downloads" / "artifacts")
    root, _ = find_root(str(tmp_path))
    assert Path(root) == tmp_path / "downloads" / "artifacts"


def test_pointing_at_logs_itself(sample_dir: Path) -> None:
    logs = sample_dir / "logs"
    root, prefix = find_root(str(logs))
    assert (root, prefix) == (str(logs), "logs/")
    tree = walk_tree(str(logs))
    kinds = {f.path: f.kind for f in tree.files}
    assert kinds["user/error/10.0.0.4/process000.txt"] == FileKind.USER_ERROR_TRACE
    assert kinds["sys/master_role.txt"] == FileKind.MASTER
    assert kinds["job_progress_overview.2024051210.txt"] == FileKind.OVERVIEW
    report = analyse_folder(str(logs)).to_dict()
    assert report["verdict"] == "failed"
    assert report["root_cause"]["rule_id"] == "BT101"


def test_a_folder_beside_the_logs_is_not_mistaken_for_the_root(tmp_path: Path) -> None:
    # A user folder that happens to hold "logs" of something else: no PRS marker inside, so it is not a root.
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app.log").write_text("hello\n")
    with pytest.raises(LogFolderError) as caught:
        find_root(str(tmp_path))
    assert "No Azure ML job logs were found" in caught.value.message


# ---------------------------------------------------------------------------------------------------
# Errors


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(LogFolderError) as caught:
        analyse_folder(str(tmp_path / "nope"))
    assert "does not exist" in caught.value.message
    assert caught.value.recommendation and "--log-dir" in caught.value.recommendation


def test_a_file_instead_of_a_folder(tmp_path: Path) -> None:
    archive = tmp_path / "logs.zip"
    archive.write_bytes(b"PK\x03\x04")
    with pytest.raises(LogFolderError) as caught:
        analyse_folder(str(archive))
    assert "is a file, not a folder" in caught.value.message
    assert caught.value.recommendation and "Unzip" in caught.value.recommendation


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(LogFolderError) as caught:
        analyse_folder(str(tmp_path))
    assert "No Azure ML job logs were found" in caught.value.message
    assert caught.value.recommendation and "az ml job download" in caught.value.recommendation


def test_folder_without_logs(tmp_path: Path) -> None:
    (tmp_path / "predictions.csv").write_text("file,label\n")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(LogFolderError) as caught:
        analyse_folder(str(tmp_path))
    assert "No Azure ML job logs were found" in caught.value.message


def test_log_folder_with_no_readable_log_file(tmp_path: Path) -> None:
    (tmp_path / "azureml-logs").mkdir()
    (tmp_path / "azureml-logs" / "process_info.json").write_text("{}")
    with pytest.raises(LogFolderError) as caught:
        analyse_folder(str(tmp_path))
    assert "holds no readable job log files" in caught.value.message
    assert caught.value.recommendation


# ---------------------------------------------------------------------------------------------------
# Classification


H64 = "200ef7d8e034fe18873821b7f19d5c959e0fab2145898b91464e050ea2275edb"
FAMILIES: list[tuple[str, FileKind | None, str | None, str | None]] = [
    # azureml-logs (legacy runtime)
    ("azureml-logs/70_driver_log.txt", FileKind.DRIVER_LOG, None, None),
    ("azureml-logs/70_driver_log-worker-0.txt", FileKind.DRIVER_LOG, None, None),
    (f"azureml-logs/55_azureml-execution-tvmps_{H64}_d.txt", FileKind.AZUREML_LOG, None, None),
    (f"azureml-logs/65_job_prep-tvmps_{H64}_d.txt", FileKind.AZUREML_LOG, None, None),
    (f"azureml-logs/75_job_post-tvmps_{H64}_p.txt", FileKind.AZUREML_LOG, None, None),
    ("azureml-logs/process_info.json", None, None, None),
    ("azureml-logs/process_status.json", None, None, None),
    # common runtime
    ("user_logs/std_log.txt", FileKind.STD_LOG, None, None),
    ("user_logs/std_log_0.txt", FileKind.STD_LOG, "0", None),
    ("user_logs/std_log_process_00.txt", FileKind.STD_LOG, "00", None),
    ("user_logs/std_log_node_00_ps.txt", FileKind.STD_LOG, "00", None),
    ("system_logs/lifecycler/execution-wrapper.log", FileKind.SYSTEM_LOG, None, None),
    ("system_logs/lifecycler/lifecycler.log", FileKind.SYSTEM_LOG, None, None),
    ("system_logs/lifecycler/0/execution-wrapper.txt", FileKind.SYSTEM_LOG, "0", None),
    ("system_logs/cs_capability/cs-capability.log", FileKind.SYSTEM_LOG, None, None),
    ("system_logs/hosttools_capability/hosttools-capability.log", FileKind.SYSTEM_LOG, None, None),
    ("system_logs/snapshot_capability/snapshot-capability.log", FileKind.SYSTEM_LOG, None, None),
    # PRS top level
    ("logs/job_progress_overview.txt", FileKind.OVERVIEW, None, None),
    ("logs/job_progress_overview.2024051210.txt", FileKind.OVERVIEW, None, None),
    ("logs/overview.txt", FileKind.OVERVIEW, None, None),
    ("logs/overview.2020-09-17.txt", FileKind.OVERVIEW, None, None),
    ("logs/job_result.txt", FileKind.JOB_RESULT, None, None),
    ("logs/jobresult.txt", FileKind.JOB_RESULT, None, None),
    ("logs/job_error.txt", FileKind.JOB_ERROR, None, None),
    ("logs/joberror_20240512.txt", FileKind.JOB_ERROR, None, None),
    ("logs/readme.txt", FileKind.README, None, None),
    ("logs/master.txt", FileKind.MASTER, None, None),
    ("logs/user/job_result.txt", FileKind.JOB_RESULT, None, None),
    ("logs/user/job_progress_overview.2024051210.txt", FileKind.OVERVIEW, None, None),
    ("logs/azureml/executionlogs.txt", FileKind.OTHER_LOG, None, None),
    ("logs/azureml/108_azureml.log", FileKind.OTHER_LOG, None, None),
    ("logs/azureml/dataprep/rslex.log", FileKind.OTHER_LOG, None, None),
    # master and reports
    ("logs/sys/master_role.txt", FileKind.MASTER, None, None),
    ("logs/sys/master_role.1.txt", FileKind.MASTER, None, None),
    ("logs/sys/job_report/processed_mini-batches.csv", FileKind.MINIBATCH_REPORT, None, None),
    ("logs/sys/job_report/processed_mini-batch.csv", FileKind.MINIBATCH_REPORT, None, None),
    ("logs/sys/job_report/process_summary.csv", FileKind.SUMMARY_REPORT, None, None),
    ("logs/sys/job_report/node_summary.csv", FileKind.SUMMARY_REPORT, None, None),
    ("logs/sys/report/processed_tasks.csv", FileKind.MINIBATCH_REPORT, None, None),
    ("logs/sys/report/pending_tasks.csv", FileKind.SUMMARY_REPORT, None, None),
    ("logs/sys/report/override_tasks.csv", FileKind.SUMMARY_REPORT, None, None),
    # workers, new (node index or IP) and legacy (Process-N)
    ("logs/sys/node/0/process000.txt", FileKind.WORKER_LOG, "0", "process000"),
    ("logs/sys/node/10.0.0.4/process012.txt", FileKind.WORKER_LOG, "10.0.0.4", "process012"),
    ("logs/sys/node/0/_main.txt", FileKind.WORKER_MAIN, "0", "_main"),
    ("logs/sys/node/0/process000.stdout.txt", FileKind.WORKER_STDIO, "0", "process000"),
    ("logs/sys/node/0/process000.stderr.txt", FileKind.WORKER_STDIO, "0", "process000"),
    ("logs/sys/node/0/process000.profile", FileKind.PROFILE, "0", "process000"),
    ("logs/sys/error/10.0.0.4/_main.txt", FileKind.SYS_ERROR, "10.0.0.4", "_main"),
    ("logs/sys/error/7/process003.txt", FileKind.SYS_ERROR, "7", "process003"),
    ("logs/sys/worker/10.0.0.4/Process-1.txt", FileKind.WORKER_LOG, "10.0.0.4", "Process-1"),
    ("logs/sys/worker/10.0.0.4/Process-1.task_consumer.profile", FileKind.PROFILE, "10.0.0.4", "Process-1"),
    ("logs/sys/error/10.0.0.4/Process-2.txt", FileKind.SYS_ERROR, "10.0.0.4", "Process-2"),
    ("logs/user/10.0.0.4/Process-1.stdout.txt", FileKind.USER_STDOUT, "10.0.0.4", "Process-1"),
    ("logs/user/10.0.0.4/Process-1.stderr.txt", FileKind.USER_STDERR, "10.0.0.4", "Process-1"),
    # the scoring script's own output
    ("logs/user/error.txt", FileKind.USER_ERROR_SUMMARY, None, None),
    ("logs/user/error/10.0.0.4/process000.txt", FileKind.USER_ERROR_TRACE, "10.0.0.4", "process000"),
    ("logs/user/error/1/process001.txt", FileKind.USER_ERROR_TRACE, "1", "process001"),
    ("logs/user/stdout/1/process000.stdout.txt", FileKind.USER_STDOUT, "1", "process000"),
    ("logs/user/stdout/1/process000.std.txt", FileKind.USER_STDOUT, "1", "process000"),
    ("logs/user/stderr/0/process000.stderr.txt", FileKind.USER_STDERR, "0", "process000"),
    ("logs/user/entry_script_log/0/process000.log.txt", FileKind.ENTRY_SCRIPT_LOG, "0", "process000"),
    # resource monitor (new and older paths)
    ("logs/perf/0/node_resource_usage.csv", FileKind.PERF_NODE, "0", None),
    ("logs/perf/10.0.0.4/node_disk_usage.csv", FileKind.PERF_DISK, "10.0.0.4", None),
    ("logs/perf/0/processes_resource_usage.csv", FileKind.PERF_PROCESSES, "0", None),
    ("logs/perf/0/os/2024051210/processes_07", FileKind.PERF_SNAPSHOT, "0", None),
    ("logs/sys/perf/10.0.0.4/node_resource_usage.csv", FileKind.PERF_NODE, "10.0.0.4", None),
    # not logs
    ("named-outputs/score/predictions.csv", None, None, None),
    ("outputs/model.pkl", None, None, None),
]


@pytest.mark.parametrize(("path", "kind", "node", "process"), FAMILIES, ids=[row[0] for row in FAMILIES])
def test_classify(path: str, kind: FileKind | None, node: str | None, process: str | None) -> None:
    found = classify(path)
    if kind is None:
        assert found is None
        return
    assert found is not None
    assert found[:3] == (kind, node, process)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_every_family_is_found_by_the_walk(tmp_path: Path) -> None:
    files = {path: "2024-05-12 10:00:01,269|INFO|1|x\n" for path, kind, _, _ in FAMILIES if kind is not None}
    tree = walk_tree(str(_tree(tmp_path, files)))
    walked = {f.path: f.kind for f in tree.files}
    expected = {path: kind for path, kind, _, _ in FAMILIES if kind not in (None, FileKind.PROFILE)}
    assert walked == expected
    profiles = {s.path for s in tree.skipped if "profiler" in s.reason}
    assert profiles == {path for path, kind, _, _ in FAMILIES if kind == FileKind.PROFILE}
    assert "parallel (legacy PRS)" in tree.layout
    assert "common runtime" in tree.layout
    assert "azureml-logs" in tree.layout


def test_rotated_overviews_are_read_in_time_order(tmp_path: Path) -> None:
    files = {
        # Written out of order, and one rotation crosses midnight.
        "logs/job_progress_overview.2024051300.txt": (
            "2024-05-13T00:10:02.000000 Processed 90 of 120 mini batches in 2:10:01. "
            "Estimated remaining time 0:43:13.\n"
        ),
        "logs/job_progress_overview.2024051222.txt": (
            "2024-05-12T22:00:01.000000 Start the simulator.\n"
            "2024-05-12T22:00:21.004417 Scheduling finished. Scheduled 120 mini batches in 17 seconds. "
            "There are 120 tasks with 1200 items.\n"
            "2024-05-12T22:30:02.000000 Processed 10 of 120 mini batches in 0:30:01. "
            "Estimated remaining time 5:30:00.\n"
        ),
        "logs/job_progress_overview.2024051223.txt": (
            "2024-05-12T23:30:02.000000 Processed 60 of 120 mini batches in 1:30:01. "
            "Estimated remaining time 1:30:00.\n"
        ),
    }
    tree = walk_tree(str(_tree(tmp_path, files)))
    ordered = [f.path for f in tree.of_kind(FileKind.OVERVIEW)]
    assert ordered == [
        "logs/job_progress_overview.2024051222.txt",
        "logs/job_progress_overview.2024051223.txt",
        "logs/job_progress_overview.2024051300.txt",
    ]
    facts = collect(tree, [])
    assert facts.overview.started_at == "2024-05-12T22:00:01.000000"
    assert facts.overview.last_progress is not None
    assert (facts.overview.last_progress.processed, facts.overview.last_progress.total) == (90, 120)
    assert [p.processed for p in facts.overview.progress] == [10, 60, 90]


def test_legacy_daily_overviews_are_read_in_time_order(tmp_path: Path) -> None:
    files = {
        "logs/overview.2020-09-18.txt": (
            "2020-09-18T00:20:05.000000 Processed 30 of 40 mini batches in 1:20:05. Estimate remaining 0:26:41.\n"
        ),
        "logs/overview.2020-09-17.txt": (
            "2020-09-17T23:00:00.000000 Start the simulator.\n"
            "2020-09-17T23:59:05.000000 Processed 10 of 40 mini batches in 0:59:05. Estimate remaining 2:57:15.\n"
        ),
    }
    tree = walk_tree(str(_tree(tmp_path, files)))
    assert [f.path for f in tree.of_kind(FileKind.OVERVIEW)] == [
        "logs/overview.2020-09-17.txt",
        "logs/overview.2020-09-18.txt",
    ]
    facts = collect(tree, [])
    assert facts.overview.started_at == "2020-09-17T23:00:00.000000"
    assert [p.processed for p in facts.overview.progress] == [10, 30]


def test_master_role_failover_rounds_are_counted_and_ordered(tmp_path: Path) -> None:
    files = {
        "logs/sys/master_role.10.txt": "2024-05-12 12:00:01,000|INFO|400|140501711763200|Start scheduling.\n",
        "logs/sys/master_role.2.txt": "2024-05-12 11:00:01,000|INFO|300|140501711763200|Start scheduling.\n",
        "logs/sys/master_role.1.txt": MASTER_LINE,
        "logs/job_progress_overview.2024051210.txt": OVERVIEW_LINE,
    }
    tree = walk_tree(str(_tree(tmp_path, files)))
    assert [f.path for f in tree.of_kind(FileKind.MASTER)] == [
        "logs/sys/master_role.1.txt",
        "logs/sys/master_role.2.txt",
        "logs/sys/master_role.10.txt",
    ]
    facts = collect(tree, [])
    assert facts.master.rounds == 3
    assert facts.master.last_line_at == "2024-05-12T12:00:01.000000"
    assert facts.master.start_scheduling is not None
    assert facts.master.start_scheduling.path == "logs/sys/master_role.1.txt"
    report = analyse_folder(str(tmp_path)).to_dict()
    assert report["stats"]["master_rounds"] == 3


def test_evidence_paths_use_forward_slashes_relative_to_the_root(sample_dir: Path) -> None:
    report: dict[str, Any] = analyse_folder(str(sample_dir)).to_dict()
    for finding in report["findings"]:
        for evidence in finding["evidence"]:
            assert not evidence["path"].startswith(("/", str(sample_dir)))
            assert "\\" not in evidence["path"]
