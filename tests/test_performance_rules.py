"""The performance rules (BT950-BT959): one test per severity band per rule, plus the guards against thin data.

Most tests build ``JobFacts`` directly; a few write small log trees and go through the real parsers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.core.models import Category, Finding, JobInfo, Role, Severity
from azext_batchtroubleshoot.logs.facts import JobFacts, collect
from azext_batchtroubleshoot.logs.layout import FileKind, LogFile, LogTree, walk_tree
from azext_batchtroubleshoot.logs.progress import MarkedLine
from azext_batchtroubleshoot.logs.scan import Hit
from azext_batchtroubleshoot.logs.tables import GroupStats, MiniBatchRow, NodePerf
from azext_batchtroubleshoot.rules import bt950_io_bound_mini_batches as bt950
from azext_batchtroubleshoot.rules import bt951_tiny_mini_batches as bt951
from azext_batchtroubleshoot.rules import bt952_slow_first_task as bt952
from azext_batchtroubleshoot.rules import bt953_node_skew as bt953
from azext_batchtroubleshoot.rules import bt954_process_skew as bt954
from azext_batchtroubleshoot.rules import bt955_memory_near_limit as bt955
from azext_batchtroubleshoot.rules import bt956_cpu_idle as bt956
from azext_batchtroubleshoot.rules import bt957_resource_monitor_off as bt957
from azext_batchtroubleshoot.rules import bt958_frequent_retries as bt958
from azext_batchtroubleshoot.rules import bt959_too_few_mini_batches as bt959
from azext_batchtroubleshoot.rules.base import Rule
from azext_batchtroubleshoot.rules.bt805_gpu_oversubscription import GPU_COUNT_TRIGGER

CSV = "logs/sys/job_report/processed_mini-batches.csv"
START = datetime(2024, 5, 12, 10, 0, 0)


def new_facts(tmp_path: Path, *kinds: tuple[str, FileKind]) -> JobFacts:
    tree = LogTree(root=str(tmp_path))
    for path, kind in kinds:
        tree.files.append(LogFile(path, str(tmp_path / path), kind, 100, node=None, process=None))
    return JobFacts(tree=tree, job=JobInfo())


def run(rule: Rule, facts: JobFacts) -> list[Finding]:
    return list(rule.check(facts))


def severity_of(findings: list[Finding]) -> Severity | None:
    assert len(findings) <= 1, findings
    return findings[0].severity if findings else None


def assert_advice(findings: Iterable[Finding], code: str) -> None:
    for finding in findings:
        assert finding.rule_id == code
        assert finding.role == Role.ADVICE
        assert finding.category == Category.PERFORMANCE
        assert not finding.fatal


def gpu_hit(count: int) -> Hit:
    log = LogFile("logs/user/stdout/0/process000.stdout.txt", "", FileKind.USER_STDOUT, 1, "0", "process000")
    return Hit(log, 1, f"init(): {GPU_COUNT_TRIGGER}={count}", GPU_COUNT_TRIGGER, None)


def row(
    mini_batch: int,
    elapsed: float,
    *,
    process_seconds: float | None = None,
    picked: int = 1,
    status: str = "RUN_DONE",
) -> MiniBatchRow:
    start = START + timedelta(seconds=mini_batch * 30)
    error = "" if status == "RUN_DONE" else "run() timeout"
    return MiniBatchRow(
        str(mini_batch),
        "process000",
        "0",
        start.isoformat(),
        elapsed,
        process_seconds,
        status,
        picked,
        CSV,
        mini_batch + 2,
        error,
    )


# ---------------------------------------------------------------------------------------------------------------
# BT950 io-bound-mini-batches: Process Seconds / Elapsed Seconds, lower is worse


def io_facts(tmp_path: Path, share: float, runs: int = 20, elapsed_each: float = 30.0) -> JobFacts:
    facts = new_facts(tmp_path)
    report = facts.minibatches
    report.files = [CSV]
    report.attempts = report.timed_attempts = report.cpu_timed_attempts = runs
    report.elapsed_total = runs * elapsed_each
    report.process_seconds_total = runs * elapsed_each * share
    slow = row(3, elapsed_each, process_seconds=elapsed_each * share)
    report.slowest = [(elapsed_each, 1, slow)]
    return facts


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (bt950.CPU_SHARE_INFO + 0.05, None),
        (bt950.CPU_SHARE_INFO, Severity.INFO),
        (bt950.CPU_SHARE_WARNING, Severity.WARNING),
        (bt950.CPU_SHARE_ERROR, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_io_bound_bands(tmp_path: Path, share: float, expected: Severity | None) -> None:
    findings = run(bt950.IoBoundMiniBatches(), io_facts(tmp_path, share))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT950")
    if findings:
        assert f"{share:.0%} of their elapsed time" in findings[0].message
        assert "concurrent processes" in findings[0].message  # the what-if
        assert findings[0].evidence[0].path == CSV


def test_io_bound_needs_enough_runs(tmp_path: Path) -> None:
    assert run(bt950.IoBoundMiniBatches(), io_facts(tmp_path, 0.1, runs=bt950.MIN_TIMED_RUNS - 1)) == []
    assert run(bt950.IoBoundMiniBatches(), io_facts(tmp_path, 0.1, runs=5, elapsed_each=5.0)) == []


def test_io_bound_on_gpu_nodes_is_only_info(tmp_path: Path) -> None:
    facts = io_facts(tmp_path, 0.1)
    facts.hits_by_trigger[GPU_COUNT_TRIGGER].append(gpu_hit(2))
    findings = run(bt950.IoBoundMiniBatches(), facts)
    assert severity_of(findings) == Severity.INFO
    assert "GPU" in findings[0].message


def test_io_bound_uses_only_runs_that_report_process_seconds(tmp_path: Path) -> None:
    facts = new_facts(tmp_path)
    report = facts.minibatches
    report.timed_attempts, report.cpu_timed_attempts = 12, 10
    report.elapsed_total = 10 * 20.0 + 2 * 60.0  # two timed-out runs without Process Seconds
    report.timeline = [row(i, 20.0, process_seconds=17.0) for i in range(10)] + [row(10, 60.0), row(11, 60.0)]
    assert run(bt950.IoBoundMiniBatches(), facts) == []  # 85 % over the runs that report both


# ---------------------------------------------------------------------------------------------------------------
# BT951 tiny-mini-batches: median Elapsed Seconds, lower is worse


def tiny_facts(tmp_path: Path, median: float, runs: int = 40) -> JobFacts:
    facts = new_facts(tmp_path)
    facts.minibatches.files = [CSV]
    facts.minibatches.elapsed_values = [median * 0.8] * (runs // 2) + [median] + [median * 1.3] * (runs // 2)
    facts.settings["mini_batch_size"] = "4"
    return facts


@pytest.mark.parametrize(
    ("median", "expected"),
    [
        (bt951.MEDIAN_INFO_S + 1.0, None),
        (bt951.MEDIAN_INFO_S, Severity.INFO),
        (bt951.MEDIAN_WARNING_S, Severity.WARNING),
        (bt951.MEDIAN_ERROR_S, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_tiny_mini_batches_bands(tmp_path: Path, median: float, expected: Severity | None) -> None:
    findings = run(bt951.TinyMiniBatches(), tiny_facts(tmp_path, median))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT951")


def test_tiny_mini_batches_what_if(tmp_path: Path) -> None:
    (finding,) = run(bt951.TinyMiniBatches(), tiny_facts(tmp_path, 1.2))
    assert "1.2 s median" in finding.message
    assert "~9× (from 4 to ~36)" in finding.message
    assert "0.05 s" in finding.message


def test_a_few_short_mini_batches_are_not_worth_a_word(tmp_path: Path) -> None:
    facts = tiny_facts(tmp_path, 0.5)
    facts.minibatches.elapsed_values = facts.minibatches.elapsed_values[: bt951.MIN_RUNS - 1]
    assert run(bt951.TinyMiniBatches(), facts) == []


# ---------------------------------------------------------------------------------------------------------------
# BT952 slow-first-task: Start scheduling -> FIRST_TASK_SCHEDULED seconds


def first_task_facts(tmp_path: Path, seconds: float) -> JobFacts:
    facts = new_facts(tmp_path)
    first = START + timedelta(seconds=seconds)
    path = "logs/sys/master_role.txt"
    facts.master.start_scheduling = MarkedLine(START.isoformat(), path, 1, "...|Start scheduling.")
    facts.master.first_task = MarkedLine(first.isoformat(), path, 6, "...|Setting job stage to FIRST_TASK_SCHEDULED.")
    facts.perf = {"0": NodePerf("0"), "1": NodePerf("1")}
    return facts


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (bt952.FIRST_TASK_INFO_S - 1, None),
        (bt952.FIRST_TASK_INFO_S, Severity.INFO),
        (bt952.FIRST_TASK_WARNING_S, Severity.WARNING),
        (bt952.FIRST_TASK_ERROR_S, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_slow_first_task_bands(tmp_path: Path, seconds: float, expected: Severity | None) -> None:
    findings = run(bt952.SlowFirstTask(), first_task_facts(tmp_path, seconds))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT952")
    if findings:
        assert [e.line for e in findings[0].evidence] == [1, 6]
        assert "2 nodes sat idle" in findings[0].message


def test_slow_first_task_falls_back_on_the_overview(tmp_path: Path) -> None:
    facts = new_facts(tmp_path)
    facts.overview.scheduling_seconds = 330.0
    path = "logs/job_progress_overview.2024051210.txt"
    text = "2024-05-12T10:05:31.004417 Scheduling finished. Scheduled 120 mini batches in 330 seconds."
    facts.overview.scheduled_at = MarkedLine("2024-05-12T10:05:31.004417", path, 3, text)
    (finding,) = run(bt952.SlowFirstTask(), facts)
    assert finding.severity == Severity.WARNING
    assert "Scheduling the mini-batches took 5 min 30 s" in finding.message


# ---------------------------------------------------------------------------------------------------------------
# BT953 node-skew and BT954 process-skew: busiest busy time over the median


def skew_facts(tmp_path: Path, ratio: float, processes: bool = False) -> JobFacts:
    facts = new_facts(tmp_path)
    busy = {"a": 1000.0 * ratio, "b": 1000.0, "c": 1000.0}
    groups = {name: GroupStats(count=10, elapsed=seconds) for name, seconds in busy.items()}
    if processes:
        facts.minibatches.by_process.update({f"0/{name}": group for name, group in groups.items()})
    else:
        facts.minibatches.by_node.update(groups)
    facts.minibatches.files = [CSV]
    return facts


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (bt953.NODE_SKEW_INFO - 0.1, None),
        (bt953.NODE_SKEW_INFO, Severity.INFO),
        (bt953.NODE_SKEW_WARNING, Severity.WARNING),
        (bt953.NODE_SKEW_ERROR, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_node_skew_bands(tmp_path: Path, ratio: float, expected: Severity | None) -> None:
    findings = run(bt953.NodeSkew(), skew_facts(tmp_path, ratio))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT953")
    if findings:
        assert f"{ratio:.1f}× the median node" in findings[0].message
        assert "sooner" in findings[0].message  # the what-if


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (bt954.PROCESS_SKEW_INFO - 0.1, None),
        (bt954.PROCESS_SKEW_INFO, Severity.INFO),
        (bt954.PROCESS_SKEW_WARNING, Severity.WARNING),
        (bt954.PROCESS_SKEW_ERROR, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_process_skew_bands(tmp_path: Path, ratio: float, expected: Severity | None) -> None:
    findings = run(bt954.ProcessSkew(), skew_facts(tmp_path, ratio, processes=True))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT954")
    if findings:
        assert "Process 0/a" in findings[0].message and "3 processes" in findings[0].message


def test_skew_needs_two_groups_and_real_work(tmp_path: Path) -> None:
    facts = new_facts(tmp_path)
    facts.minibatches.by_node["a"] = GroupStats(count=3, elapsed=5000.0)
    assert run(bt953.NodeSkew(), facts) == []
    facts.minibatches.by_node.update({"a": GroupStats(3, 300.0), "b": GroupStats(1, 50.0), "c": GroupStats(1, 50.0)})
    assert run(bt953.NodeSkew(), facts) == []  # 400 s of work in all


# ---------------------------------------------------------------------------------------------------------------
# BT955 memory-near-limit: peak Memory Used Percent


def memory_facts(tmp_path: Path, peak: float) -> JobFacts:
    facts = new_facts(tmp_path)
    busy = NodePerf("1", memory_total_mb=16384.0, memory_peak_percent=peak, memory_peak_at="2024-05-12T10:20:00")
    busy.node_file, busy.memory_peak_line = "logs/perf/1/node_resource_usage.csv", 21
    facts.perf = {"0": NodePerf("0", memory_total_mb=16384.0, memory_peak_percent=40.0), "1": busy}
    facts.settings["process_count_per_node"] = "4"
    return facts


@pytest.mark.parametrize(
    ("peak", "expected"),
    [
        (bt955.MEMORY_INFO_PERCENT - 0.5, None),
        (bt955.MEMORY_INFO_PERCENT, Severity.INFO),
        (bt955.MEMORY_WARNING_PERCENT, Severity.WARNING),
        (bt955.MEMORY_ERROR_PERCENT, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_memory_near_limit_bands(tmp_path: Path, peak: float, expected: Severity | None) -> None:
    findings = run(bt955.MemoryNearLimit(), memory_facts(tmp_path, peak))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT955")
    if findings:
        finding = findings[0]
        assert f"{peak:.0f}% of 16 GB on node 1" in finding.message
        assert "per process with 4 processes" in finding.message  # the what-if
        assert (finding.evidence[0].path, finding.evidence[0].line) == ("logs/perf/1/node_resource_usage.csv", 21)
        assert finding.nodes == ["1"]


# ---------------------------------------------------------------------------------------------------------------
# BT956 cpu-idle: mean Cpu Percent of the busiest node while mini-batches ran, lower is worse


def cpu_facts(tmp_path: Path, mean: float, samples: int = 6) -> JobFacts:
    facts = new_facts(tmp_path)
    facts.minibatches.started_at = START
    facts.minibatches.ended_at = START + timedelta(minutes=samples)
    for node, level in (("0", mean), ("1", mean / 2)):
        perf = NodePerf(node)
        perf.node_file = f"logs/perf/{node}/node_resource_usage.csv"
        # Idle before the first mini-batch (waiting for the first task): outside the window, so it does not count.
        perf.cpu_series.add((START - timedelta(minutes=5)).isoformat(), 0.0)
        for minute in range(samples):
            perf.cpu_series.add((START + timedelta(minutes=minute, seconds=30)).isoformat(), level)
        facts.perf[node] = perf
    return facts


@pytest.mark.parametrize(
    ("mean", "expected"),
    [
        (bt956.CPU_MEAN_INFO_PERCENT + 1, None),
        (bt956.CPU_MEAN_INFO_PERCENT, Severity.INFO),
        (bt956.CPU_MEAN_WARNING_PERCENT, Severity.WARNING),
        (bt956.CPU_MEAN_ERROR_PERCENT, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_cpu_idle_bands(tmp_path: Path, mean: float, expected: Severity | None) -> None:
    findings = run(bt956.CpuIdle(), cpu_facts(tmp_path, mean))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT956")
    if findings:
        assert f"CPU averaged {mean:.0f}% on the busiest of 2 nodes" in findings[0].message
        assert findings[0].nodes == ["0", "1"]


def test_cpu_idle_stays_quiet_without_processing_gpus_or_samples(tmp_path: Path) -> None:
    no_work = cpu_facts(tmp_path, 3.0)
    no_work.minibatches.started_at = no_work.minibatches.ended_at = None
    assert run(bt956.CpuIdle(), no_work) == []
    on_gpu = cpu_facts(tmp_path, 3.0)
    on_gpu.hits_by_trigger[GPU_COUNT_TRIGGER].append(gpu_hit(1))
    assert run(bt956.CpuIdle(), on_gpu) == []
    thin = cpu_facts(tmp_path, 3.0, samples=bt956.MIN_SAMPLES - 1)
    assert run(bt956.CpuIdle(), thin) == []


# ---------------------------------------------------------------------------------------------------------------
# BT957 resource-monitor-off: not graded (always info)

PRS_FILES = (
    ("logs/job_progress_overview.2024051210.txt", FileKind.OVERVIEW),
    ("logs/sys/master_role.txt", FileKind.MASTER),
)


def monitor_facts(tmp_path: Path, minutes: int, *extra: tuple[str, FileKind]) -> JobFacts:
    facts = new_facts(tmp_path, *PRS_FILES, *extra)
    facts.overview.files = [PRS_FILES[0][0]]
    facts.earliest_timestamp = START.isoformat()
    facts.latest_timestamp = (START + timedelta(minutes=minutes)).isoformat()
    return facts


def test_resource_monitor_switched_off(tmp_path: Path) -> None:
    facts = monitor_facts(tmp_path, 5)
    facts.settings["resource_monitor_interval"] = "0"
    (finding,) = run(bt957.ResourceMonitorOff(), facts)
    assert finding.severity == Severity.INFO
    assert "--resource_monitor_interval 0" in finding.message
    assert_advice([finding], "BT957")


def test_resource_monitor_missing_on_a_long_parallel_job(tmp_path: Path) -> None:
    (finding,) = run(bt957.ResourceMonitorOff(), monitor_facts(tmp_path, 45))
    assert finding.severity == Severity.INFO
    assert "ran 45 min" in finding.message


@pytest.mark.parametrize(
    "facts_for",
    [
        lambda tmp: monitor_facts(tmp, 5),  # shorter than one sampling period
        lambda tmp: monitor_facts(tmp, 45, ("logs/perf/0/node_resource_usage.csv", FileKind.PERF_NODE)),
        lambda tmp: new_facts(tmp, ("user_logs/std_log.txt", FileKind.STD_LOG)),  # not a parallel job
    ],
    ids=["short-job", "perf-present", "not-prs"],
)
def test_resource_monitor_quiet(tmp_path: Path, facts_for: Callable[[Path], JobFacts]) -> None:
    assert run(bt957.ResourceMonitorOff(), facts_for(tmp_path)) == []


# ---------------------------------------------------------------------------------------------------------------
# BT958 frequent-retries: share of mini-batches picked more than once


def retry_facts(tmp_path: Path, share: float, total: int = 200) -> JobFacts:
    facts = new_facts(tmp_path)
    report = facts.minibatches
    report.mini_batches = total
    report.retried = round(share * total)
    report.timeline = [row(i, 60.1, status="RUN_TIMEOUT") for i in range(report.retried)]
    facts.settings["run_invocation_timeout"] = "60"
    return facts


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (bt958.RETRIED_INFO - 0.01, None),
        (bt958.RETRIED_INFO, Severity.INFO),
        (bt958.RETRIED_WARNING, Severity.WARNING),
        (bt958.RETRIED_ERROR, Severity.ERROR),
    ],
    ids=["below-info", "info", "warning", "error"],
)
def test_frequent_retries_bands(tmp_path: Path, share: float, expected: Severity | None) -> None:
    findings = run(bt958.FrequentRetries(), retry_facts(tmp_path, share))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT958")
    if findings:
        retried = round(share * 200)
        assert f"{retried} of 200 mini-batches ({share:.0%})" in findings[0].message
        assert f"{retried} RUN_TIMEOUT" in findings[0].message
        assert "waited out the 60 s timeout" in findings[0].message


def test_frequent_retries_needs_enough_mini_batches(tmp_path: Path) -> None:
    assert run(bt958.FrequentRetries(), retry_facts(tmp_path, 0.5, total=bt958.MIN_MINI_BATCHES - 1)) == []


# ---------------------------------------------------------------------------------------------------------------
# BT959 too-few-mini-batches: share of worker processes without a mini-batch


def few_facts(tmp_path: Path, scheduled: int) -> JobFacts:
    facts = new_facts(tmp_path)
    facts.overview.scheduled_mini_batches = scheduled
    facts.overview.scheduled_items = scheduled * 100
    path = "logs/job_progress_overview.2024051210.txt"
    facts.overview.scheduled_at = MarkedLine(START.isoformat(), path, 3, f"Scheduled {scheduled} mini batches")
    facts.perf = {"0": NodePerf("0"), "1": NodePerf("1")}
    facts.settings["process_count_per_node"] = "4"  # 2 nodes x 4 = 8 worker processes
    return facts


@pytest.mark.parametrize(
    ("scheduled", "expected"),
    [(7, None), (6, Severity.INFO), (4, Severity.WARNING), (2, Severity.ERROR)],
    ids=["below-info", "info", "warning", "error"],
)
def test_too_few_mini_batches_bands(tmp_path: Path, scheduled: int, expected: Severity | None) -> None:
    idle = 1 - scheduled / 8
    assert (idle >= bt959.IDLE_INFO) == (expected is not None)
    findings = run(bt959.TooFewMiniBatches(), few_facts(tmp_path, scheduled))
    assert severity_of(findings) == expected
    assert_advice(findings, "BT959")
    if findings:
        assert f"Only {scheduled} mini-batches for 8 worker processes (2 nodes × 4)" in findings[0].message
        assert "mini_batch_size of about" in findings[0].message  # the what-if


def test_a_single_tabular_mini_batch_is_left_to_bt308(tmp_path: Path) -> None:
    facts = few_facts(tmp_path, 1)
    assert run(bt959.TooFewMiniBatches(), facts)
    log = LogFile("logs/sys/master_role.txt", "", FileKind.MASTER, 1)
    text = "2024-05-12 10:00:01,288|INFO|356|1|The task provider type is TabularDatasetProvider."
    facts.hits_by_trigger[bt959.TABULAR_TRIGGER].append(Hit(log, 2, text, bt959.TABULAR_TRIGGER, None))
    assert run(bt959.TooFewMiniBatches(), facts) == []


# ---------------------------------------------------------------------------------------------------------------
# Through the real parsers: a small tree written to disk


CSV_HEADER = (
    "Mini-batch Id,Picked Count,Node Id,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail"
)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def csv_rows(count: int, elapsed: float, process: float, picked: Callable[[int], int] = lambda i: 1) -> str:
    lines = [CSV_HEADER]
    for i in range(count):
        start = (START + timedelta(seconds=i * elapsed / 2)).isoformat(timespec="microseconds")
        lines.append(
            f"{i},{picked(i)},{i % 2},process00{i % 2},{start},10,10,0,{elapsed:.2f},{process:.2f},"
            f'{elapsed - 0.3:.2f},RUN_DONE,,,"{{""files"": [""f{i}.csv""]}}"'
        )
    return "\n".join(lines) + "\n"


def test_io_bound_and_tiny_from_a_real_csv(tmp_path: Path) -> None:
    tree = write_tree(tmp_path, {CSV: csv_rows(60, 1.5, 0.6), "logs/readme.txt": "layout\n"})
    facts = collect(walk_tree(str(tree)), ["AZ_BATCHAI_GPU_COUNT_FOUND"])
    (io,) = run(bt950.IoBoundMiniBatches(), facts)
    assert io.severity == Severity.WARNING  # 40 %: at or below the warning band (50 %), above the error band (25 %)
    assert io.evidence[0].path == CSV and io.evidence[0].line is not None
    # Too little elapsed time in all to judge? 60 x 1.5 s = 90 s is enough.
    (tiny,) = run(bt951.TinyMiniBatches(), facts)
    assert tiny.severity == Severity.WARNING and "1.5 s median over 60 runs" in tiny.message


def test_retries_from_a_real_csv(tmp_path: Path) -> None:
    rows = csv_rows(40, 20.0, 18.0, picked=lambda i: 2 if i % 5 == 0 else 1)
    tree = write_tree(tmp_path, {CSV: rows, "logs/readme.txt": "layout\n"})
    facts = collect(walk_tree(str(tree)), [])
    (finding,) = run(bt958.FrequentRetries(), facts)
    assert finding.severity == Severity.WARNING
    assert finding.message.startswith("8 of 40 mini-batches (20%)")


def test_a_healthy_fast_job_gets_no_performance_finding(tmp_path: Path) -> None:
    overview = (
        "2024-05-12T10:00:01.102938 Start the simulator.\n"
        "2024-05-12T10:00:21.004417 Scheduling finished. Scheduled 40 mini batches in 17 seconds. "
        "There are 40 tasks with 400 items.\n"
        "2024-05-12T10:07:03.220871 All 40 mini batches have been processed.\n"
        "2024-05-12T10:07:03.224100 Progress update stopped for reasons: "
        "['All 40 mini batches have been processed.'].\n"
    )
    perf = ["Utc Time,Cpu Percent,Memory Total (MB),Memory Used Percent"] + [
        f"{(START + timedelta(minutes=m)).isoformat()},{70 + m % 5},16000,{45 + m % 3}" for m in range(8)
    ]
    tree = write_tree(
        tmp_path,
        {
            CSV: csv_rows(40, 20.0, 17.0),
            "logs/job_progress_overview.2024051210.txt": overview,
            "logs/perf/0/node_resource_usage.csv": "\n".join(perf) + "\n",
            "logs/perf/1/node_resource_usage.csv": "\n".join(perf) + "\n",
        },
    )
    report = analyse_folder(str(tree))
    assert report.verdict.value == "healthy"
    assert [f.rule_id for f in report.findings if f.category == Category.PERFORMANCE] == []
