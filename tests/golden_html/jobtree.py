"""Deterministic log trees of a parallel (PRS) job for the report tests: a mini-batch report, resource CSVs, errors.

``write_job(root, ...)`` writes a job whose run() fails on some mini-batches (retried, some for good), one of which
times out, on ``nodes`` × ``processes``; memory climbs on the last node.  One error message carries a SAS token and
an account key, which no report may show.
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timedelta

START = datetime(2024, 5, 12, 10, 0, 0)
HEADER = (
    "Mini-batch Id,Picked Count,Process,Node Id,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Process Seconds,"
    "Run Method Seconds,Status,Error Category,Error Message,Mini-batch Detail\n"
)
SECRET_URL = "https://acct.blob.core.windows.net/in/part-7.csv?sv=2022-11-02&sig=Zm9vYmFyc2VjcmV0c2lnbmF0dXJl"
SECRET_KEY = "AccountKey=c2VjcmV0a2V5c2VjcmV0a2V5c2VjcmV0a2V5=="


def _write(root: str, path: str, text: str) -> None:
    full = os.path.join(root, *path.split("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 1000:03d}"


def write_job(
    root: str,
    nodes: int = 3,
    processes: int = 2,
    mini_batches: int = 120,
    seed: int = 7,
    fail_every: int = 17,
    perf_seconds: int = 60,
) -> None:
    """Write the tree.  Sizes are parameters so the same job scales to a benchmark of 200,000 mini-batches."""
    rng = random.Random(seed)
    node_names = [f"10.0.0.{4 + n}" for n in range(nodes)]
    lanes = [(node, f"process{p:03d}") for node in node_names for p in range(processes)]
    free_at = {lane: START + timedelta(seconds=20 + 0.37 * i) for i, lane in enumerate(lanes)}
    rows: list[str] = [HEADER]
    failures: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    timeout_done = False
    for mini_batch in range(mini_batches):
        bad = mini_batch % fail_every == 5
        kind = (mini_batch // fail_every) % 3  # 0: fails once, 1: fails twice, 2: fails on every try
        attempts = (2 + min(kind, 1)) if bad else 1
        for picked in range(1, attempts + 1):
            lane = min(lanes, key=lambda key: free_at[key])
            node, process = lane
            slow = 1.8 if node == node_names[-1] else 1.0
            elapsed = round(rng.uniform(8.0, 14.0) * slow, 2)
            start = free_at[lane]
            failed = bad and (picked < attempts or kind == 2)
            status, category, message = "RUN_DONE", "", ""
            if failed and not timeout_done:
                status, category, message, elapsed = "RUN_TIMEOUT", "User", "run() timeout", 30.02
                timeout_done = True
            elif failed:
                status, category = "RUN_EXCEPTION", "User"
                message = f"KeyError: 'feature_7' reading {SECRET_URL} with {SECRET_KEY}"
                failures.setdefault(lane, []).append((start, mini_batch))
            total = 10
            ok = 0 if failed else total
            rows.append(
                f"{mini_batch},{picked},{process},{node},{start.isoformat(timespec='microseconds')},{total},{ok},"
                f"{total - ok},{elapsed},{round(elapsed * 0.82, 2)},{round(elapsed * 0.95, 2)},{status},{category},"
                f'"{message}","{{""files"": [""part-{mini_batch}.csv""]}}"\n'
            )
            free_at[lane] = start + timedelta(seconds=elapsed + rng.uniform(0.2, 1.5))
    _write(root, "logs/sys/job_report/processed_mini-batches.csv", "".join(rows))
    end = max(free_at.values())
    _overview(root, mini_batches, end)
    _errors(root, failures)
    _workers(root, lanes, end)
    _perf(root, node_names, end, perf_seconds, rng)


def _overview(root: str, mini_batches: int, end: datetime) -> None:
    lines = [
        f"{START.isoformat(timespec='microseconds')} Start the simulator.",
        f"{(START + timedelta(seconds=3)).isoformat(timespec='microseconds')} The overviewer on 0 started.",
        f"{(START + timedelta(seconds=19)).isoformat(timespec='microseconds')} Scheduling finished. Scheduled "
        f"{mini_batches} mini batches in 17 seconds. There are {mini_batches} tasks with {mini_batches * 10} items.",
        f"{end.isoformat(timespec='microseconds')} All {mini_batches} mini batches have been processed.",
        f"{(end + timedelta(seconds=2)).isoformat(timespec='microseconds')} The overviewer on 0 stopped.",
    ]
    _write(root, f"logs/job_progress_overview.{START:%Y%m%d%H}.txt", "\n".join(lines) + "\n")


def _errors(root: str, failures: dict[tuple[str, str], list[tuple[datetime, int]]]) -> None:
    for (node, process), events in failures.items():
        blocks = []
        for moment, mini_batch in events[:20]:
            blocks.append(
                f"{_clock(moment)}|ERROR|334|run() failed for {process} on mini-batch {mini_batch}.\n"
                "Traceback (most recent call last):\n"
                '  File "/mnt/azureml/cr/j/wd/prs_prod/lib/python3.8/site-packages/azureml_sys/parallel_run/'
                'entry_script_loader.py", line 102, in run\n'
                "    return self.module.run(mini_batch)\n"
                '  File "/mnt/azureml/cr/j/code/score.py", line 31, in run\n'
                '    features = frame["feature_7"]\n'
                "KeyError: 'feature_7'\n"
            )
        _write(root, f"logs/user/error/{node}/{process}.txt", "".join(blocks))


def _workers(root: str, lanes: list[tuple[str, str]], end: datetime) -> None:
    for node, process in lanes:
        _write(
            root,
            f"logs/sys/node/{node}/{process}.txt",
            f"{_clock(START + timedelta(seconds=20))}|INFO|334|Start the agent {process}.\n"
            f"{_clock(START + timedelta(seconds=21))}|INFO|334|Loading the entry script score.py.\n"
            f"{_clock(end)}|INFO|334|{process} exits with returncode 0.\n",
        )


def _perf(root: str, node_names: list[str], end: datetime, step: int, rng: random.Random) -> None:
    header = (
        "Utc Time,Cpu Percent,Memory Total (MB),Memory Available (MB),Memory Used (MB),Memory Used Percent,"
        "Disk Io Read Count,Disk Io Write Count,Disk Io Read (MB),Disk Io Write (MB),Network Sent (MB),"
        "Network Recv (MB),# of TCP Connections,# of UDP Connections\n"
    )
    samples = max(2, int((end - START).total_seconds() // step) + 1)
    for index, node in enumerate(node_names):
        rows, disk = [header], ["Utc Time,Total (GB),Used (GB),Free (GB),Used Percent\n"]
        climbing = index == len(node_names) - 1
        for sample in range(samples):
            moment = (START + timedelta(seconds=sample * step)).isoformat(timespec="microseconds")
            share = sample / max(1, samples - 1)
            used_pct = 30 + (62 * share if climbing else 8 * share) + rng.uniform(-2, 2)
            used = round(16012 * used_pct / 100)
            cpu = round(min(100.0, 55 + rng.uniform(-20, 35)), 1)
            rows.append(
                f"{moment},{cpu},16012,{16012 - used},{used},{round(used_pct, 1)},120,40,10.1,2.2,0.5,1.1,14,2\n"
            )
            disk_used = round(40 + 25 * share + (10 * share if climbing else 0), 1)
            used_gb, free_gb = round(128 * disk_used / 100, 1), round(128 * (1 - disk_used / 100), 1)
            disk.append(f"{moment},128.0,{used_gb},{free_gb},{disk_used}\n")
        _write(root, f"logs/perf/{node}/node_resource_usage.csv", "".join(rows))
        _write(root, f"logs/perf/{node}/node_disk_usage.csv", "".join(disk))
