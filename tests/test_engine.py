"""Ranking, grouping and verdicts of the whole analysis, on small trees written for each test."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.rules import BY_CODE

JOB = "5e0c2a44e8f24bd7a6b12f0f4a6c9e11"
WD = f"/mnt/azureml/cr/j/{JOB}/exe/wd"
PRS = f"{WD}/prs_prod/lib/python3.8/site-packages/azureml_sys/parallel_run"
SITE = "/azureml-envs/azureml_7594b3b934a904695f71542edf30f209/lib/python3.10/site-packages"

STD_LOG_42 = (
    "Azure Machine Learning Batch Inference Start\n"
    "[2024-05-12 10:00:00.441773] No started flag set. Skip creating started flag.\n"
    "Azure Machine Learning Batch Inference End\n"
    "Cleaning up all outstanding Run operations, waiting 300.0 seconds\n"
    "2 items cleaning up...\n"
    "Cleanup took 0.19039106369018555 seconds\n"
    "Traceback (most recent call last):\n"
    '  File "driver/amlbi_main.py", line 275, in <module>\n'
    "    main()\n"
    '  File "driver/amlbi_main.py", line 226, in main\n'
    "    sys.exit(exitcode_candidate)\n"
    "SystemExit: 42\n"
)
USER_PROGRAM_FAILED = (
    "User program failed with Exception: Run failed, please check logs for details. "
    "You can check logs/readme.txt for the layout of logs.\n"
)
NO_SUCCEEDED = (
    "There is no succeeded mini batch item returned from run(). "
    "Please check 'response: run()' in https://aka.ms/batch-inference-documentation\n"
)
THRESHOLD = (
    "2024-05-12 10:09:10,702|ERROR|77|140501711763200|"
    "The number of failed items is 12, which exceeds error threshold 10.\n"
)
CSV_HEADER = (
    "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
)


def run_error(stamp: str, pid: int, exception: str, line: int = 33, code: str = "value = float(cell)") -> str:
    """A worker's log record and the stack trace of run() under it, as logs/user/error/<node>/processNNN.txt has."""
    return (
        f"{stamp}|ERROR|{pid}|run() failed for the mini batch.\n"
        "Traceback (most recent call last):\n"
        f'  File "{PRS}/entry_script.py", line 141, in run\n'
        "    result = self.module.run(mini_batch)\n"
        f'  File "{WD}/score.py", line {line}, in run\n'
        f"    {code}\n"
        f"{exception}\n"
    )


def init_error(stamp: str, pid: int, exception: str) -> str:
    return (
        f"{stamp}|ERROR|{pid}|init() failed.\n"
        "Traceback (most recent call last):\n"
        f'  File "{PRS}/entry_script_loader.py", line 88, in init\n'
        "    self.module.init()\n"
        f'  File "{WD}/score.py", line 12, in init\n'
        '    tokenizer = load_tokenizer(os.environ["AZUREML_MODEL_DIR"])\n'
        f"{exception}\n"
    )


def overview(lines: list[tuple[str, str]]) -> str:
    return "".join(f"{stamp} {message}\n" for stamp, message in lines)


def minibatch_csv(statuses: list[str]) -> str:
    rows = []
    for index, status in enumerate(statuses):
        failed = status != "RUN_DONE"
        rows.append(
            f"{index},{3 if failed else 1},process00{index % 2},2024-05-12T10:0{index % 10}:0{index % 6}.227237,10,"
            f"{0 if failed else 10},{10 if failed else 0},12.41,11.02,12.10,{status},{'User' if failed else ''},"
            f'{"bad row" if failed else ""},"{{}}"\n'
        )
    return CSV_HEADER + "".join(rows)


def ids(report: dict[str, Any]) -> list[str]:
    return [finding["rule_id"] for finding in report["findings"]]


def analyse(folder: Path) -> dict[str, Any]:
    return analyse_folder(str(folder)).to_dict()


VALUE_ERROR = "ValueError: could not convert string to float: 'n/a'"


# ---------------------------------------------------------------------------------------------------
# Symptoms and causes


SYMPTOMS = {
    "BT901": {"user_logs/std_log_0.txt": STD_LOG_42},
    "BT902": {"logs/job_result.txt": USER_PROGRAM_FAILED},
    "BT903": {"logs/job_result.txt": NO_SUCCEEDED},
    "BT801": {"logs/sys/master_role.txt": THRESHOLD},
}


@pytest.mark.parametrize("symptom", sorted(SYMPTOMS))
def test_cause_outranks_its_symptom(write_tree: Any, symptom: str) -> None:
    tree = write_tree(
        {
            **SYMPTOMS[symptom],
            "logs/user/error/0/process000.txt": run_error("2024-05-12 10:01:40,201", 140, VALUE_ERROR),
        }
    )
    report = analyse(tree)
    assert report["verdict"] == "failed"
    assert report["root_cause"]["rule_id"] == "BT202", ids(report)
    assert "could not convert string to float: 'n/a'" in report["root_cause"]["message"]
    assert symptom in ids(report), "the symptom is still listed"
    listed = next(f for f in report["findings"] if f["rule_id"] == symptom)
    assert listed["role"] == "symptom"
    assert report["summary"].startswith("The job failed: run() raised ValueError")


def test_all_symptoms_together_still_point_at_the_cause(write_tree: Any) -> None:
    tree = write_tree(
        {
            "user_logs/std_log_0.txt": STD_LOG_42,
            "logs/job_result.txt": USER_PROGRAM_FAILED + NO_SUCCEEDED,
            "logs/sys/master_role.txt": THRESHOLD,
            "logs/user/error/0/process000.txt": init_error(
                "2024-05-12 10:00:31,207", 322, "ModuleNotFoundError: No module named 'pandas'"
            ),
        }
    )
    report = analyse(tree)
    assert ids(report)[0] == "BT101"
    assert {"BT801", "BT901", "BT902", "BT903"} <= set(ids(report))
    assert all(f["role"] == "symptom" for f in report["findings"][1:] if f["rule_id"] != "BT990")


def test_a_symptom_never_says_no_cause_was_found_when_one_was(write_tree: Any) -> None:
    # Only the std_log was downloaded, and it names the cause (mslearn-azure-ml#160).
    std_log = STD_LOG_42.replace(
        "Azure Machine Learning Batch Inference End\n",
        "No module named 'pkg_resources'\nAzure Machine Learning Batch Inference End\n",
    )
    report = analyse(write_tree({"user_logs/std_log_0.txt": std_log}))
    assert report["root_cause"]["rule_id"] == "BT102"
    contradicting = [f["message"] for f in report["findings"] if "no cause was found" in f["message"]]
    assert not contradicting, contradicting


# ---------------------------------------------------------------------------------------------------
# Noise


NOISE_MAIN = (
    "2024-05-12 10:00:20,101|INFO|324|139773019682560|Start node agent.\n"
    "2024-05-12 10:00:26,715|ERROR|324|139773019682560|stderr: terminate called without an active exception\n"
    "2024-05-12 10:00:26,744|ERROR|324|139773019682560|stderr: Already registered authentication for run id: "
    "94a35e75-bdae-43bf-ac15-f6c37b6e1c0f\n"
    "2024-05-12 10:00:50,285|ERROR|324|140325028292352|Failed to set task visible because of (3, 1).\n"
    "Traceback (most recent call last):\n"
    f'  File "{PRS}/agent_manager.py", line 237, in check\n'
    "    self.task_manager.set_task_visible(result)\n"
    f'  File "{PRS}/task_manager.py", line 128, in set_task_visible\n'
    "    task = self.agent_state.picked_tasks[(result.task_id, result.dequeue_count)]\n"
    "KeyError: (3, 1)\n"
)


def test_noise_is_listed_but_never_the_root_cause(write_tree: Any) -> None:
    tree = write_tree(
        {
            "user_logs/std_log_0.txt": STD_LOG_42,
            # The noise comes first in time and in the file order.
            "logs/sys/node/0/_main.txt": NOISE_MAIN,
            "logs/user/error/0/process000.txt": run_error("2024-05-12 10:05:40,201", 140, VALUE_ERROR),
        }
    )
    report = analyse(tree)
    assert report["root_cause"]["rule_id"] == "BT202"
    noise = [f for f in report["findings"] if f["role"] == "noise"]
    assert {f["rule_id"] for f in noise} == {"BT921", "BT922"}
    assert all(f["severity"] == "info" for f in noise)
    first_noise = min(report["findings"].index(f) for f in noise)
    assert all(f["role"] == "noise" for f in report["findings"][first_noise:]), "noise ranks last"
    # The KeyError trace is explained by the noise rule, so it is not reported as an unknown error either.
    assert not any("KeyError" in f["message"] for f in report["findings"] if f["rule_id"] in ("BT202", "BT990"))


def test_noise_alone_does_not_become_the_root_cause(write_tree: Any) -> None:
    tree = write_tree({"user_logs/std_log_0.txt": STD_LOG_42, "logs/sys/node/0/_main.txt": NOISE_MAIN})
    report = analyse(tree)
    assert report["root_cause"]["rule_id"] == "BT901"
    assert report["root_cause"]["role"] == "symptom"


# ---------------------------------------------------------------------------------------------------
# Time order


def test_earlier_init_failure_beats_later_run_timeout(write_tree: Any) -> None:
    timeout = (
        '2024-05-12 10:20:05,649|ERROR|334|Stop for run() unable to finish within 60 seconds for {"agent": '
        '"process001", "task_id": 16, "dequeue_count": 1, "total": 10, "succeeded": 0, "method": "run", '
        '"exc_type": "", "message": ""}\n'
    )
    tree = write_tree(
        {
            "user_logs/std_log_0.txt": STD_LOG_42,
            "logs/sys/node/0/process001.txt": timeout,
            "logs/user/error/0/process000.txt": init_error(
                "2024-05-12 10:00:31,207", 322, "OSError: Can't load tokenizer for '/mnt/models/bert'."
            ),
        }
    )
    report = analyse(tree)
    assert ids(report)[:2] == ["BT201", "BT501"]
    assert "Can't load tokenizer" in report["root_cause"]["message"]


def test_earlier_of_two_run_errors_is_the_root_cause(write_tree: Any) -> None:
    # The earlier error is on node 1, so that file order and time order disagree.
    tree = write_tree(
        {
            "user_logs/std_log_0.txt": STD_LOG_42,
            "logs/user/error/0/process000.txt": run_error(
                "2024-05-12 10:30:00,000", 140, "KeyError: 'customer_id'", code="key = row['customer_id']"
            ),
            "logs/user/error/1/process000.txt": run_error("2024-05-12 10:01:00,000", 150, VALUE_ERROR),
        }
    )
    report = analyse(tree)
    assert [f["rule_id"] for f in report["findings"][:2]] == ["BT202", "BT202"]
    assert "could not convert string to float" in report["root_cause"]["message"], (
        "the run() error that happened first should rank first; got "
        f"{[(f['message'], f['first_seen']) for f in report['findings'][:2]]}"
    )


# ---------------------------------------------------------------------------------------------------
# Grouping


NODES = [f"10.0.0.{4 + n}" for n in range(8)]
PROCESSES = [f"process00{p}" for p in range(4)]


def _connection_error(node: int, process: int) -> str:
    # IPs, ports, numbers, object addresses and GUIDs differ on every node and process.
    return (
        f"requests.exceptions.ConnectionError: HTTPConnectionPool(host='10.1.{node}.{10 + process}', "
        f"port={5000 + process}): Max retries exceeded with url: /lookup?batch={node * 4 + process} "
        f"(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f8a1c2d{node}e{process}0>: "
        f"Failed to establish a new connection: [Errno 111] Connection refused')) "
        f"request-id {node:08x}-1c2d-4e5f-8a9b-{process:012x}"
    )


def _grouped_tree(write_tree: Any) -> Path:
    files = {"user_logs/std_log_0.txt": STD_LOG_42}
    for n, node in enumerate(NODES):
        for p, process in enumerate(PROCESSES):
            stamp = f"2024-05-12 10:{10 + n:02d}:{10 + p:02d},{100 + p * 7:03d}"
            files[f"logs/user/error/{node}/{process}.txt"] = run_error(
                stamp, 300 + n * 10 + p, _connection_error(n, p), code="features = lookup(batch_id)"
            )
    return write_tree(files)


def test_same_error_on_every_node_and_process_is_one_finding(write_tree: Any) -> None:
    report = analyse(_grouped_tree(write_tree))
    errors = [f for f in report["findings"] if f["rule_id"] in ("BT202", "BT990")]
    assert len(errors) == 1, [f["message"] for f in errors]
    finding = errors[0]
    assert finding is report["findings"][0] or finding == report["root_cause"]
    assert finding["count"] == 32
    assert finding["nodes"] == sorted(NODES)
    assert finding["processes"] == sorted(f"{node}/{process}" for node in NODES for process in PROCESSES)
    assert "ConnectionError" in finding["message"]
    assert "on 32 processes of 8 nodes" in finding["message"]
    assert len(finding["evidence"]) <= 4


def test_grouped_finding_spans_first_and_last_occurrence(write_tree: Any) -> None:
    report = analyse(_grouped_tree(write_tree))
    finding = report["root_cause"]
    assert (finding["first_seen"], finding["last_seen"]) == ("2024-05-12T10:10:10.100000", "2024-05-12T10:17:13.121000")


def test_different_errors_are_not_merged(write_tree: Any) -> None:
    tree = write_tree(
        {
            "logs/user/error/0/process000.txt": run_error("2024-05-12 10:01:00,000", 140, VALUE_ERROR),
            "logs/user/error/0/process001.txt": run_error(
                "2024-05-12 10:02:00,000", 141, "ValueError: could not convert string to float: 'unknown'"
            ),
            "logs/user/error/1/process000.txt": run_error("2024-05-12 10:03:00,000", 150, "KeyError: 'feature_7'"),
        }
    )
    report = analyse(tree)
    messages = sorted(f["message"] for f in report["findings"] if f["rule_id"] == "BT202")
    assert len(messages) == 3, messages


# ---------------------------------------------------------------------------------------------------
# Errors no rule knows


def test_unknown_run_error_is_named_and_is_the_root_cause(write_tree: Any) -> None:
    tree = write_tree(
        {
            "user_logs/std_log_0.txt": STD_LOG_42,
            "logs/job_result.txt": USER_PROGRAM_FAILED,
            "logs/user/error/0/process000.txt": run_error("2024-05-12 10:01:40,201", 140, VALUE_ERROR),
            "logs/user/error/0/process001.txt": run_error("2024-05-12 10:01:42,201", 141, VALUE_ERROR),
        }
    )
    report = analyse(tree)
    root = report["root_cause"]
    assert root["rule_id"] in ("BT202", "BT990")
    assert root["severity"] == "error"
    assert "ValueError: could not convert string to float: 'n/a'" in root["message"]
    assert "score.py:33" in root["message"]
    assert root["evidence"][0]["path"].startswith("logs/user/error/0/process00")
    assert root["evidence"][0]["excerpt"] == VALUE_ERROR
    assert root["count"] == 2


def test_error_outside_init_and_run_is_reported_as_unknown(write_tree: Any) -> None:
    trace = (
        "2024-05-12 10:00:31,402|ERROR|188|Failed to load the entry script.\n"
        "Traceback (most recent call last):\n"
        f'  File "{PRS}/entry_script_loader.py", line 41, in load_module\n'
        "    spec.loader.exec_module(module)\n"
        f'  File "{WD}/score.py", line 3, in <module>\n'
        '    SCHEMA = json.load(open("schema.json"))\n'
        f'  File "{SITE}/../json/__init__.py", line 293, in load\n'
        "    return loads(fp.read(),\n"
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n"
    )
    tree = write_tree({"user_logs/std_log_0.txt": STD_LOG_42, "logs/user/error/0/process000.txt": trace})
    report = analyse(tree)
    root = report["root_cause"]
    assert root["rule_id"] == "BT990"
    assert root["category"] == "input-data"
    assert "JSONDecodeError: Expecting value: line 1 column 1 (char 0)" in root["message"]
    assert report["verdict"] == "failed"


def test_the_record_that_introduces_an_explained_trace_is_not_an_unknown_error(write_tree: Any) -> None:
    # Legacy layout: the worker log points at logs/sys/error/<ip>/Process-N.txt, whose ERROR record heads the trace.
    leg = "/mnt/batch/tasks/shared/LS_root/jobs/ws/azureml/0b6e2f41-9a7c-4d2e-8f13-5c6d7e8f9a01"
    trace = (
        "2020-11-03 08:14:05,118|ERROR|412|Failed to load the entry script batch_score.py.\n"
        "Traceback (most recent call last):\n"
        f'  File "{leg}/mounts/workspaceblobstore/azureml/0b6e2f41/driver/task_consumer.py", line 131, in _load\n'
        "    module = importlib.import_module(self.entry_script_name)\n"
        f'  File "{leg}/mounts/workspaceblobstore/azureml/0b6e2f41/batch_score.py", line 6, in <module>\n'
        "    from azureml.core.model import Model\n"
        "ModuleNotFoundError: No module named 'azureml'\n"
    )
    pointer = (
        "2020-11-03 08:14:05,118|ERROR|412|Failed to load the entry script batch_score.py. "
        "See logs/sys/error/10.0.0.4/Process-1.txt.\n"
    )
    tree = write_tree(
        {
            "logs/sys/error/10.0.0.4/Process-1.txt": trace,
            "logs/sys/worker/10.0.0.4/Process-1.txt": pointer,
        }
    )
    report = analyse(tree)
    assert report["root_cause"]["rule_id"] == "BT104"
    unknown = [f["message"] for f in report["findings"] if f["rule_id"] == "BT990"]
    assert not unknown, unknown


# ---------------------------------------------------------------------------------------------------
# A rule that breaks


def _boom(facts: Any) -> Any:
    raise RuntimeError("rule crashed on https://acct.blob.core.windows.net/c/x?sv=2022-11-02&sig=S3cr3tS1gnature")


@pytest.mark.parametrize("code", ["BT905", "BT202"], ids=["early-rule", "late-rule"])
def test_a_rule_that_raises_is_recorded_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sample_dir: Path, code: str
) -> None:
    shutil.copytree(sample_dir, tmp_path / "job")
    extra = tmp_path / "job" / "logs" / "user" / "error" / "10.0.0.5" / "process002.txt"
    extra.write_text(run_error("2024-05-12 10:01:40,201", 343, VALUE_ERROR))
    baseline = analyse(tmp_path / "job")
    assert {"BT101", code} <= set(ids(baseline))
    monkeypatch.setattr(BY_CODE[code], "check", _boom)
    report = analyse(tmp_path / "job")
    errors = report["sources"]["rule_errors"]
    assert [error["rule_id"] for error in errors] == [code]
    assert errors[0]["error"].startswith("RuntimeError: rule crashed")
    assert "test_engine.py" in errors[0]["error"]
    assert "S3cr3tS1gnature" not in errors[0]["error"], "rule errors are redacted"
    assert code not in ids(report)
    # Every other rule still reports (lines the broken rule would have explained may now show up as unknown).
    assert set(ids(baseline)) - {code} <= set(ids(report))
    assert report["root_cause"]["rule_id"] == "BT101"


# ---------------------------------------------------------------------------------------------------
# Verdicts


def test_verdict_failed(sample_dir: Path) -> None:
    report = analyse(sample_dir)
    assert report["verdict"] == "failed"
    assert report["summary"].startswith("The job failed: init() raised ModuleNotFoundError")


def test_verdict_partial(write_tree: Any) -> None:
    tree = write_tree(
        {
            "logs/job_progress_overview.2024051210.txt": overview(
                [
                    ("2024-05-12T10:00:01.102938", "Start the simulator."),
                    (
                        "2024-05-12T10:00:21.004417",
                        "Scheduling finished. Scheduled 10 mini batches in 17 seconds. "
                        "There are 10 tasks with 100 items.",
                    ),
                    ("2024-05-12T10:09:03.220871", "All 10 mini batches have been processed."),
                    (
                        "2024-05-12T10:09:03.224100",
                        "Progress update stopped for reasons: ['All 10 mini batches have been processed.'].",
                    ),
                ]
            ),
            "logs/sys/job_report/processed_mini-batches.csv": minibatch_csv(["RUN_DONE"] * 8 + ["RUN_EXCEPTION"] * 2),
        }
    )
    report = analyse(tree)
    assert report["verdict"] == "partial"
    assert report["stats"]["mini_batches"] == {"total": 10, "succeeded": 8, "failed": 2, "retried": 2}
    assert report["stats"]["items"] == {"total": 100, "succeeded": 80, "failed": 20}


STALLED_PROGRESS = [
    (
        "2023-05-16T22:14:50.100000",
        "Processed 4101 of 20000 mini batches in 4:56:11. Estimated remaining time 19:10:02.",
    ),
    (
        "2023-05-16T22:16:51.100000",
        "Processed 4107 of 20000 mini batches in 4:58:12. Estimated remaining time 19:15:40.",
    ),
    (
        "2023-05-16T22:18:52.100000",
        "Processed 4112 of 20000 mini batches in 5:00:13. Estimated remaining time 19:20:11.",
    ),
    (
        "2023-05-16T22:20:53.233813",
        "Processed 4117 of 20000 mini batches in 5:02:14. Estimated remaining time 19:25:59.",
    ),
]


def test_verdict_stalled_when_progress_stops_for_hours(write_tree: Any) -> None:
    # Three hours of checkpoints after the last progress line, and no progress at all.
    master = "".join(
        f"{stamp},001|INFO|356|140501711763200|Save checkpoint for folder 0, offset 4117.\n"
        for stamp in (
            "2023-05-16 22:30:00",
            "2023-05-16 23:00:00",
            "2023-05-16 23:30:00",
            "2023-05-17 00:00:00",
            "2023-05-17 00:30:00",
            "2023-05-17 01:00:00",
            "2023-05-17 01:30:00",
        )
    )
    tree = write_tree(
        {
            "logs/job_progress_overview.2023051622.txt": overview(STALLED_PROGRESS),
            "logs/sys/master_role.txt": master,
        }
    )
    report = analyse(tree)
    assert report["verdict"] == "stalled"
    assert "4117 of 20000" in report["summary"]
    assert "2023-05-16T22:20:53.233813" in report["summary"]


def test_verdict_stalled_when_the_overviewer_stops(write_tree: Any) -> None:
    lines = [*STALLED_PROGRESS, ("2023-05-16T22:22:08.962071", "The overviewer on 7 stopped.")]
    report = analyse(write_tree({"logs/job_progress_overview.2023051622.txt": overview(lines)}))
    assert report["verdict"] == "stalled"


def test_verdict_running(write_tree: Any) -> None:
    lines = [
        ("2024-05-12T10:00:01.102938", "Start the simulator."),
        ("2024-05-12T10:00:03.553201", "The overviewer on 0 started."),
        (
            "2024-05-12T10:00:21.004417",
            "Scheduling finished. Scheduled 120 mini batches in 17 seconds. There are 120 tasks with 1200 items.",
        ),
        (
            "2024-05-12T10:02:32.900113",
            "Processed 12 of 120 mini batches in 0:02:31. Estimated remaining time 0:22:39.",
        ),
        (
            "2024-05-12T10:04:33.100441",
            "Processed 24 of 120 mini batches in 0:04:32. Estimated remaining time 0:18:08.",
        ),
    ]
    report = analyse(write_tree({"logs/job_progress_overview.2024051210.txt": overview(lines)}))
    assert report["verdict"] == "running"
    assert report["root_cause"] is None


def test_verdict_healthy(write_tree: Any) -> None:
    lines = [
        ("2024-05-12T10:00:01.102938", "Start the simulator."),
        (
            "2024-05-12T10:00:21.004417",
            "Scheduling finished. Scheduled 120 mini batches in 17 seconds. There are 120 tasks with 1200 items.",
        ),
        ("2024-05-12T10:25:03.220871", "All 120 mini batches have been processed."),
    ]
    tree = write_tree(
        {
            "logs/job_progress_overview.2024051210.txt": overview(lines),
            "logs/sys/job_report/processed_mini-batches.csv": minibatch_csv(["RUN_DONE"] * 120),
        }
    )
    report = analyse(tree)
    assert report["verdict"] == "healthy"
    assert report["root_cause"] is None
    assert report["summary"] == "The job finished and every mini-batch succeeded (120 mini-batches)."


def test_verdict_unknown_with_only_a_readme(write_tree: Any) -> None:
    tree = write_tree({"logs/readme.txt": "This folder contains the logs of the parallel run step.\n"})
    report = analyse(tree)
    assert report["verdict"] == "unknown"
    assert report["findings"] == []
    assert report["root_cause"] is None
