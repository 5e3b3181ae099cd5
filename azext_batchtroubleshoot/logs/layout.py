"""Find the log root inside a folder and classify every file by the log family it belongs to."""

from __future__ import annotations

import enum
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..core.errors import LogFolderError
from ..core.models import SkippedFile

MAX_DEPTH = 40
# Folders that mark the top of a job's log tree (what the studio's "Outputs + logs" tab shows).
ROOT_MARKERS = ("logs", "azureml-logs", "user_logs", "system_logs")
# Children of a PRS ``logs`` folder: lets a user point at ``logs/`` itself.
PRS_LOGS_MARKERS = ("sys", "user", "perf")


class FileKind(str, enum.Enum):
    DRIVER_LOG = "driver-log"
    AZUREML_LOG = "azureml-log"
    STD_LOG = "std-log"
    SYSTEM_LOG = "system-log"
    OVERVIEW = "overview"
    JOB_RESULT = "job-result"
    JOB_ERROR = "job-error"
    README = "readme"
    MASTER = "master"
    USER_ERROR_SUMMARY = "user-error-summary"
    USER_ERROR_TRACE = "user-error-trace"
    WORKER_LOG = "worker-log"
    WORKER_MAIN = "worker-main"
    WORKER_STDIO = "worker-stdio"
    SYS_ERROR = "sys-error"
    MINIBATCH_REPORT = "minibatch-report"
    SUMMARY_REPORT = "summary-report"
    USER_STDOUT = "user-stdout"
    USER_STDERR = "user-stderr"
    ENTRY_SCRIPT_LOG = "entry-script-log"
    PERF_NODE = "perf-node"
    PERF_DISK = "perf-disk"
    PERF_PROCESSES = "perf-processes"
    PERF_SNAPSHOT = "perf-snapshot"
    PROFILE = "profile"
    OTHER_LOG = "other-log"
    SERVICE = "service"  # the job's error message as the service reports it (not a file)


# Kinds whose text is scanned for error signatures.
TEXT_KINDS = frozenset(
    {
        FileKind.DRIVER_LOG,
        FileKind.AZUREML_LOG,
        FileKind.STD_LOG,
        FileKind.SYSTEM_LOG,
        FileKind.OVERVIEW,
        FileKind.JOB_RESULT,
        FileKind.JOB_ERROR,
        FileKind.MASTER,
        FileKind.USER_ERROR_SUMMARY,
        FileKind.USER_ERROR_TRACE,
        FileKind.WORKER_LOG,
        FileKind.WORKER_MAIN,
        FileKind.WORKER_STDIO,
        FileKind.SYS_ERROR,
        FileKind.USER_STDOUT,
        FileKind.USER_STDERR,
        FileKind.ENTRY_SCRIPT_LOG,
        FileKind.OTHER_LOG,
        FileKind.SERVICE,
    }
)


@dataclass(frozen=True)
class LogFile:
    """One file of the tree. ``path`` is relative to the analysed root with ``/`` separators."""

    path: str
    abspath: str
    kind: FileKind
    size: int
    node: str | None = None
    process: str | None = None
    order: str = ""  # sorts rotated files (overview hours, master failover rounds) in time order


@dataclass
class LogTree:
    root: str
    files: list[LogFile] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    layout: str = "unknown"

    def of_kind(self, *kinds: FileKind) -> list[LogFile]:
        wanted = set(kinds)
        return sorted((f for f in self.files if f.kind in wanted), key=lambda f: (f.order, f.path))


_PROCESS_RE = re.compile(r"^(process\d+|Process-\d+|_main|main)")
_DIGITS_RE = re.compile(r"(\d+)")


def _process_name(filename: str) -> str | None:
    match = _PROCESS_RE.match(filename)
    return match.group(1) if match else None


def _rotation_key(filename: str) -> str:
    """``job_progress_overview.2024051210.txt`` → ``2024051210``; plain ``overview.txt`` sorts last (newest)."""
    digits = "".join(_DIGITS_RE.findall(filename))
    return digits.rjust(20, "0") if digits else "9" * 20


def classify(rel: str) -> tuple[FileKind, str | None, str | None, str] | None:
    """Map a path relative to the log root onto its log family, node and process; None for unknown files."""
    parts = rel.split("/")
    name = parts[-1]
    lower = name.lower()
    top = parts[0]
    if top == "azureml-logs":
        if lower.startswith("70_driver_log"):
            return FileKind.DRIVER_LOG, None, None, name
        if lower.endswith((".txt", ".log")):
            return FileKind.AZUREML_LOG, None, None, name
        return None
    if top == "user_logs":
        if lower.startswith("std_log"):
            digits = _DIGITS_RE.findall(name)
            return FileKind.STD_LOG, digits[0] if digits else None, None, name
        return FileKind.OTHER_LOG, None, None, name
    if top == "system_logs":
        if lower.endswith((".log", ".txt")):
            node = parts[2] if len(parts) > 3 and parts[1] == "lifecycler" else None
            return FileKind.SYSTEM_LOG, node, None, name
        return None
    if top != "logs":
        return None
    return _classify_prs(parts[1:], name, lower)


def _classify_prs(parts: list[str], name: str, lower: str) -> tuple[FileKind, str | None, str | None, str] | None:
    depth = len(parts)
    if depth == 1:
        if lower.startswith(("job_progress_overview", "overview")) and lower.endswith(".txt"):
            return FileKind.OVERVIEW, None, None, _rotation_key(name)
        if lower.startswith(("job_result", "jobresult")):
            return FileKind.JOB_RESULT, None, None, name
        if lower.startswith(("job_error", "joberror")):
            return FileKind.JOB_ERROR, None, None, name
        if lower == "readme.txt":
            return FileKind.README, None, None, name
        if lower.startswith("master") and lower.endswith(".txt"):
            return FileKind.MASTER, None, None, _rotation_key(name)
        return FileKind.OTHER_LOG, None, None, name
    first = parts[0]
    if first == "user":
        return _classify_user(parts, name, lower)
    if first == "sys":
        return _classify_sys(parts, name, lower)
    if first == "perf" or (first == "sys" and depth > 2 and parts[1] == "perf"):
        return _classify_perf(parts[1:], name, lower)
    if first == "azureml" and lower.endswith((".log", ".txt")):
        return FileKind.OTHER_LOG, None, None, name
    return None


def _classify_user(parts: list[str], name: str, lower: str) -> tuple[FileKind, str | None, str | None, str] | None:
    depth = len(parts)
    if depth == 2:
        if lower == "error.txt":
            return FileKind.USER_ERROR_SUMMARY, None, None, name
        if lower.startswith(("job_result", "jobresult")):
            return FileKind.JOB_RESULT, None, None, name
        if lower.startswith(("job_error", "joberror")):
            return FileKind.JOB_ERROR, None, None, name
        if lower.startswith(("job_progress_overview", "overview")):
            return FileKind.OVERVIEW, None, None, _rotation_key(name)
        return FileKind.OTHER_LOG, None, None, name
    section = parts[1]
    node = parts[2] if depth >= 4 else None
    process = _process_name(name)
    kinds = {
        "error": FileKind.USER_ERROR_TRACE,
        "stdout": FileKind.USER_STDOUT,
        "stderr": FileKind.USER_STDERR,
        "entry_script_log": FileKind.ENTRY_SCRIPT_LOG,
    }
    if section in kinds:
        return kinds[section], node, process, name
    # Legacy: logs/user/<ip>/Process-N.stdout.txt
    if depth == 3:
        if ".stderr" in lower:
            return FileKind.USER_STDERR, section, process, name
        return FileKind.USER_STDOUT, section, process, name
    return FileKind.OTHER_LOG, node, process, name


def _classify_sys(parts: list[str], name: str, lower: str) -> tuple[FileKind, str | None, str | None, str] | None:
    depth = len(parts)
    if depth == 2:
        if lower.startswith("master") and lower.endswith(".txt"):
            return FileKind.MASTER, None, None, _rotation_key(name)
        return FileKind.OTHER_LOG, None, None, name
    section = parts[1]
    node = parts[2] if depth >= 4 else None
    process = _process_name(name)
    if section in ("job_report", "report"):
        if not lower.endswith(".csv"):
            return FileKind.OTHER_LOG, None, None, name
        if lower.startswith(("processed_mini-batch", "processed_tasks")):
            return FileKind.MINIBATCH_REPORT, None, None, name
        return FileKind.SUMMARY_REPORT, None, None, name
    if section == "perf":
        return _classify_perf(parts[2:], name, lower)
    if section in ("node", "worker"):
        if lower.endswith(".profile"):
            return FileKind.PROFILE, node, process, name
        if process in ("_main", "main"):
            return FileKind.WORKER_MAIN, node, process, name
        if ".stdout" in lower or ".stderr" in lower:
            return FileKind.WORKER_STDIO, node, process, name
        if depth >= 4 and lower.endswith(".csv"):
            return FileKind.SUMMARY_REPORT, node, process, name
        return FileKind.WORKER_LOG, node, process, name
    if section == "error":
        return FileKind.SYS_ERROR, node, process, name
    return FileKind.OTHER_LOG, node, process, name


def _classify_perf(parts: list[str], name: str, lower: str) -> tuple[FileKind, str | None, str | None, str] | None:
    node = parts[0] if len(parts) >= 2 else None
    if "os" in parts[1:-1]:
        return FileKind.PERF_SNAPSHOT, node, None, "/".join(parts[-2:])
    if lower.startswith("node_resource_usage"):
        return FileKind.PERF_NODE, node, None, name
    if lower.startswith("node_disk_usage"):
        return FileKind.PERF_DISK, node, None, name
    if lower.startswith("processes_resource_usage") or lower.startswith("processes_cpu_memory"):
        return FileKind.PERF_PROCESSES, node, None, name
    return None


# ---------------------------------------------------------------------------------------------------
# Finding the root


def _looks_like_root(path: str) -> bool:
    try:
        names = set(os.listdir(path))
    except OSError:
        return False
    if names & set(ROOT_MARKERS) - {"logs"}:
        return True
    logs_dir = os.path.join(path, "logs")
    if "logs" in names and os.path.isdir(logs_dir):
        try:
            inner = set(os.listdir(logs_dir))
        except OSError:
            return False
        # logs/azureml/ holds pipeline and dataprep logs (executionlogs.txt) in jobs without a PRS tree.
        return bool(inner & {*PRS_LOGS_MARKERS, "azureml"}) or any(_is_prs_top_file(n) for n in inner)
    return False


def _is_prs_top_file(name: str) -> bool:
    return name.startswith(("job_progress_overview", "overview", "job_result", "job_error", "readme"))


def _looks_like_prs_logs_folder(path: str) -> bool:
    try:
        names = set(os.listdir(path))
    except OSError:
        return False
    return bool(names & {"sys", "user"}) or any(_is_prs_top_file(n) for n in names)


def find_root(folder: str) -> tuple[str, str]:
    """Return (root, prefix).  ``prefix`` is ``"logs/"`` when the user pointed at the PRS ``logs`` folder itself."""
    if not os.path.exists(folder):
        raise LogFolderError(
            f"The folder '{folder}' does not exist.",
            "Pass --log-dir with the folder you downloaded from the job's 'Outputs + logs' tab, "
            "or the folder written by 'az ml job download --all'.",
        )
    if not os.path.isdir(folder):
        raise LogFolderError(
            f"'{folder}' is a file, not a folder.",
            "Pass --log-dir with the folder that holds the job's logs (it contains 'logs/', 'azureml-logs/' or "
            "'user_logs/'). Unzip a downloaded archive first.",
        )
    for candidate in _candidates(folder):
        if _looks_like_root(candidate):
            return candidate, ""
        if _looks_like_prs_logs_folder(candidate) and os.path.basename(os.path.normpath(candidate)) == "logs":
            return candidate, "logs/"
    raise LogFolderError(
        f"No Azure ML job logs were found in '{folder}'.",
        "Expected a folder holding 'logs/' (parallel job logs), 'azureml-logs/', 'user_logs/' or 'system_logs/'. "
        "Download them from the studio ('Outputs + logs' of the batchscoring step) or with "
        "'az ml job download --name <child job> --all --download-path <folder>', "
        "or let this command fetch them: 'az ml batch-troubleshoot diagnose --name <job>'.",
    )


def _candidates(folder: str) -> Iterator[str]:
    """The folder itself, then ``artifacts/`` (az ml job download), then a breadth-first search a few levels down."""
    yield folder
    artifacts = os.path.join(folder, "artifacts")
    if os.path.isdir(artifacts):
        yield artifacts
    level = [folder]
    for _ in range(4):
        next_level: list[str] = []
        for parent in level:
            try:
                entries = sorted(os.scandir(parent), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    next_level.append(entry.path)
        yield from next_level
        level = next_level[:2000]


# ---------------------------------------------------------------------------------------------------
# Walking


def walk_tree(folder: str) -> LogTree:
    root, prefix = find_root(folder)
    tree = LogTree(root=root)
    real_root = os.path.realpath(root)
    seen_dirs: set[str] = set()
    _walk(root, "", real_root, prefix, tree, seen_dirs, 0)
    if not tree.files:
        raise LogFolderError(
            f"The folder '{folder}' holds no readable job log files.",
            "Check that the download finished and that the files are readable, then run the command again.",
        )
    tree.layout = _describe_layout(tree)
    return tree


def _inside(real_path: str, real_root: str) -> bool:
    return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def _walk(directory: str, rel_dir: str, real_root: str, prefix: str, tree: LogTree, seen: set[str], depth: int) -> None:
    real_dir = os.path.realpath(directory)
    if real_dir in seen:
        tree.skipped.append(SkippedFile(rel_dir or ".", "symbolic link loop"))
        return
    seen.add(real_dir)
    if depth > MAX_DEPTH:
        tree.skipped.append(SkippedFile(rel_dir, f"nested deeper than {MAX_DEPTH} folders"))
        return
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError as exc:
        tree.skipped.append(SkippedFile(rel_dir or ".", f"cannot list folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        _visit(entry, rel, real_root, prefix, tree, seen, depth)


def _visit(
    entry: os.DirEntry[str], rel: str, real_root: str, prefix: str, tree: LogTree, seen: set[str], depth: int
) -> None:
    try:
        is_link = entry.is_symlink()
        if is_link and not _inside(os.path.realpath(entry.path), real_root):
            tree.skipped.append(SkippedFile(rel, "symbolic link leads outside the log folder"))
            return
        info = os.stat(entry.path)
    except OSError as exc:
        tree.skipped.append(SkippedFile(rel, f"cannot read: {exc.strerror or exc}"))
        return
    if stat.S_ISDIR(info.st_mode):
        _walk(entry.path, rel, real_root, prefix, tree, seen, depth + 1)
        return
    if not stat.S_ISREG(info.st_mode):
        tree.skipped.append(SkippedFile(rel, "not a regular file"))
        return
    classified = classify(prefix + rel)
    if classified is None:
        return
    kind, node, process, order = classified
    if kind == FileKind.PROFILE:
        tree.skipped.append(SkippedFile(rel, "profiler output (binary)"))
        return
    tree.files.append(LogFile(rel, entry.path, kind, info.st_size, node, process, order))


def _describe_layout(tree: LogTree) -> str:
    kinds = {f.kind for f in tree.files}
    parts = []
    if kinds & {FileKind.OVERVIEW, FileKind.MASTER, FileKind.WORKER_LOG, FileKind.MINIBATCH_REPORT}:
        legacy = any("/sys/worker/" in f.path or "/sys/report/" in f.path for f in tree.files)
        parts.append("parallel (legacy PRS)" if legacy else "parallel")
    if FileKind.STD_LOG in kinds or FileKind.SYSTEM_LOG in kinds:
        parts.append("common runtime")
    if FileKind.DRIVER_LOG in kinds or FileKind.AZUREML_LOG in kinds:
        parts.append("azureml-logs")
    return " + ".join(parts) or "unknown"
