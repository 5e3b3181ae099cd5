"""`make bench`: time the diagnosis of a large synthetic job against grep, in the same run.

For each size (¼, ½ and the full ~800 MB tree) it runs, several times each and interleaved:
  * the diagnosis:  scripts/az ml batch-troubleshoot diagnose --log-dir <tree> -o json
  * the baseline:   grep -rcE "ERROR|Error|Exception|Traceback" <tree>
and prints the median times, their ratio, the peak resident memory of the diagnosis (its whole process tree,
sampled, and the largest single process from the kernel's accounting), and whether the hidden failure was named
as the root cause.  Trees are generated once into .bench/ and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AZ = REPO / "scripts" / "az"
GREP = ["grep", "-rcE", "ERROR|Error|Exception|Traceback"]


def ensure_tree(scale: float, failure: str) -> Path:
    target = REPO / ".bench" / f"tree-{failure}-{scale:g}"
    marker = target / ".complete"
    if marker.exists():
        return target
    print(f"generating the {scale:g}× tree into {target} ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "generate.py"),
            str(target),
            "--scale",
            str(scale),
            "--failure",
            failure,
            "--force",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    marker.write_text("ok\n")
    return target


def _tree_rss_kb(root_pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total = 0
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def timed(command: list[str], output: Path | None = None) -> tuple[float, int, int]:
    """Wall seconds, peak RSS of the process tree (KB, sampled every 10 ms), and the kernel's max RSS (KB)."""
    sink = open(output, "wb") if output else subprocess.DEVNULL  # noqa: SIM115 - closed below
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if output:
        sink.close()  # type: ignore[union-attr]
    if process.returncode not in (0, 1):  # grep -c exits 1 when a file has no match
        raise SystemExit(f"{command[0]} failed with exit code {process.returncode}")
    return elapsed, peak, usage.ru_maxrss


def check_root_cause(report_path: Path, failure: str) -> str:
    report = json.loads(report_path.read_text())
    root = report.get("root_cause") or {}
    evidence = (root.get("evidence") or [{}])[0].get("path", "")
    expected = {
        "oom": root.get("category") == "memory" and "-9" in root.get("message", "") and evidence.endswith("_main.txt"),
        "module": root.get("category") == "environment" and "lightgbm" in root.get("message", ""),
        "none": report.get("verdict") == "healthy",
    }[failure]
    verdict = "FOUND" if expected else "MISSED"
    return f"{verdict}: {root.get('rule_id')} {root.get('category')} — {root.get('message', report.get('summary'))}"


def bench(scale: float, failure: str, runs: int) -> dict[str, float]:
    tree = ensure_tree(scale, failure)
    size = sum(f.stat().st_size for f in tree.rglob("*") if f.is_file())
    diagnose = [str(AZ), "ml", "batch-troubleshoot", "diagnose", "--log-dir", str(tree), "-o", "json"]
    report = REPO / ".bench" / f"report-{failure}-{scale:g}.json"
    timed([*GREP, str(tree)])  # warm the page cache for both
    timed(diagnose, report)
    ours: list[float] = []
    theirs: list[float] = []
    peaks: list[int] = []
    maxrss: list[int] = []
    for _ in range(runs):
        seconds, peak, kernel = timed(diagnose, report)
        ours.append(seconds)
        peaks.append(peak)
        maxrss.append(kernel)
        theirs.append(timed([*GREP, str(tree)])[0])
    result = {
        "scale": scale,
        "mb": size / 1e6,
        "diagnose_s": statistics.median(ours),
        "grep_s": statistics.median(theirs),
        "ratio": statistics.median(a / b for a, b in zip(ours, theirs)),
        "peak_tree_mb": max(peaks) / 1024,
        "peak_process_mb": max(maxrss) / 1024,
    }
    print(
        f"{scale:>5g}×  {result['mb']:7.0f} MB   diagnose {result['diagnose_s']:6.2f} s"
        f"   grep {result['grep_s']:5.2f} s   ratio {result['ratio']:5.2f}×"
        f"   peak RSS {result['peak_tree_mb']:5.0f} MB (all processes), "
        f"{result['peak_process_mb']:4.0f} MB (largest)",
        flush=True,
    )
    print(f"        root cause {check_root_cause(report, failure)}", flush=True)
    return result


# ---------------------------------------------------------------------------------------------------
# --stress: the shapes the issue names besides the large job (generated once, about 5.4 GB on disk)

STRESS_LINE = "2024-05-12 10:{:02d}:{:02d},{:03d} INFO scoring part-000123/file_{:07d}.csv rows=1000 latency_ms=41\n"
STRESS_FAILURE = (
    "2024-05-12 11:59:59,000 ERROR Traceback (most recent call last):\n"
    '  File "/mnt/azureml/cr/j/abc/exe/wd/score.py", line 41, in run\n'
    "    model.predict(batch)\n"
    "MemoryError: Unable to allocate 7.45 GiB for an array with shape (1000000, 1000) and data type float64\n"
)


def _stress_tree(name: str, fill: Callable[[Path], None]) -> Path:
    target = REPO / ".bench" / name
    marker = target / ".complete"
    if not marker.exists():
        print(f"generating {target} ...", flush=True)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(REPO / "samples" / "init-missing-module", target)
        fill(target)
        marker.write_text("ok\n")
    return target


def _five_gib_file(tree: Path) -> None:
    """One chatty stdout file of 5 GiB whose only failure is on its last lines."""
    folder = tree / "logs" / "user" / "stdout" / "10.0.0.5"
    folder.mkdir(parents=True, exist_ok=True)
    block = "".join(STRESS_LINE.format(k // 60 % 60, k % 60, k % 1000, k) for k in range(100_000)).encode()
    with open(folder / "process001.stdout.txt", "wb") as handle:
        for _ in range(-(-(5 << 30) // len(block))):
            handle.write(block)
        handle.write(STRESS_FAILURE.encode())


def _many_files(tree: Path) -> None:
    """100 node folders of 1,000 small stdout files each."""
    for node in range(100):
        folder = tree / "logs" / "user" / "stdout" / f"10.1.{node // 250}.{node % 250}"
        folder.mkdir(parents=True, exist_ok=True)
        for process in range(1000):
            (folder / f"process{process:03d}.stdout.txt").write_text(STRESS_LINE.format(0, process % 60, 0, process))


def stress(runs: int) -> None:
    print("\nstress shapes (the sample job plus the files below):", flush=True)
    shapes = [
        ("a 5 GiB stdout file, its failure on the last lines", "stress-5gib-file", _five_gib_file, "BT602"),
        ("100,000 small files", "stress-100k-files", _many_files, "BT101"),
    ]
    for label, name, fill, rule in shapes:
        tree = _stress_tree(name, fill)
        diagnose = [str(AZ), "ml", "batch-troubleshoot", "diagnose", "--log-dir", str(tree), "-o", "json"]
        report = REPO / ".bench" / f"report-{name}.json"
        timed([*GREP, str(tree)])  # warm the page cache
        measured = [(timed(diagnose, report), timed([*GREP, str(tree)])[0]) for _ in range(runs)]
        seconds = statistics.median(ours[0] for ours, _ in measured)
        grep_s = statistics.median(theirs for _, theirs in measured)
        peak = max(ours[1] for ours, _ in measured) / 1024
        largest = max(ours[2] for ours, _ in measured) / 1024
        found = [f for f in json.loads(report.read_text())["findings"] if f["rule_id"] == rule]
        where = ", ".join(f"{e['path']}:{e['line']}" for e in found[0]["evidence"][:1]) if found else "MISSED"
        print(
            f"  {label}: diagnose {seconds:.2f} s, grep {grep_s:.2f} s, ratio {seconds / grep_s:.2f}×, "
            f"peak RSS {peak:.0f} MB (all processes), {largest:.0f} MB (largest); {rule} {where}",
            flush=True,
        )


def startup(runs: int) -> None:
    """The offline command on a small folder against ``az --version``: the extension must not slow ``az`` down."""
    sample = REPO / "samples" / "init-missing-module"
    version = [str(AZ), "--version"]
    small = [str(AZ), "ml", "batch-troubleshoot", "diagnose", "--log-dir", str(sample), "-o", "json"]
    timed(version)
    timed(small)
    ours = [timed(small)[0] for _ in range(runs)]
    theirs = [timed(version)[0] for _ in range(runs)]
    ratio = statistics.median(ours) / statistics.median(theirs)
    print(
        f"start-up: diagnose --log-dir <sample> {statistics.median(ours):.2f} s, az --version "
        f"{statistics.median(theirs):.2f} s, ratio {ratio:.2f}× (target <= 1.5)\n",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scales", default="0.25,0.5,1")
    parser.add_argument("--failure", default="oom", choices=["oom", "module", "none"])
    parser.add_argument(
        "--stress", action="store_true", help="also a 5 GiB file and 100,000 small files (5.4 GB written once)"
    )
    args = parser.parse_args()
    print(f"batchtroubleshoot benchmark: {os.cpu_count()} CPUs, {args.runs} runs each, medians\n", flush=True)
    startup(max(args.runs, 5))
    results = [bench(float(scale), args.failure, args.runs) for scale in args.scales.split(",") if scale]
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = (last["diagnose_s"] / first["diagnose_s"]) / (last["mb"] / first["mb"])
        print(f"\ntime per MB at the largest size vs the smallest: {growth:.2f} (1.0 = linear)")
        print(f"peak memory at the largest size vs the smallest: {last['peak_tree_mb'] / first['peak_tree_mb']:.2f}")
    if results:
        print("target: ratio <= 2.0 and peak <= 256 MB")
    if args.stress:
        stress(min(args.runs, 3))


if __name__ == "__main__":
    main()
