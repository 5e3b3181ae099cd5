"""The scanner: files it must skip, encodings, line endings, chunk boundaries, the two matchers, and read-only use."""

from __future__ import annotations

import codecs
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azext_batchtroubleshoot.core.engine import all_triggers, analyse_folder
from azext_batchtroubleshoot.logs import facts as facts_module
from azext_batchtroubleshoot.logs import scan as scan_module
from azext_batchtroubleshoot.logs.facts import SETTING_TRIGGERS
from azext_batchtroubleshoot.logs.layout import FileKind, LogFile, walk_tree
from azext_batchtroubleshoot.logs.matcher import RegexMatcher, build_matcher
from azext_batchtroubleshoot.logs.scan import TRACEBACK_TRIGGER, FileScan, scan_file
from azext_batchtroubleshoot.rules import REGISTRY

TESTS = Path(__file__).resolve().parent
TRIGGERS = tuple(dict.fromkeys([TRACEBACK_TRIGGER, *all_triggers(REGISTRY), *SETTING_TRIGGERS]))
WD = "/mnt/azureml/cr/j/5e0c2a44e8f24bd7a6b12f0f4a6c9e11/exe/wd"
PRS = f"{WD}/prs_prod/lib/python3.8/site-packages/azureml_sys/parallel_run"

INIT_TRACE = [
    "2024-05-12 10:00:24,913|ERROR|334|init() failed for process000.",
    "Traceback (most recent call last):",
    f'  File "{PRS}/entry_script_loader.py", line 88, in init',
    "    self.module.init()",
    f'  File "{WD}/score.py", line 5, in init',
    "    import pandas as pd",
    "ModuleNotFoundError: No module named 'pandas'",
]
STD_LOG_42 = [
    "Azure Machine Learning Batch Inference Start",
    "[2024-05-12 10:00:00.441773] No started flag set. Skip creating started flag.",
    "Azure Machine Learning Batch Inference End",
    "Traceback (most recent call last):",
    '  File "driver/amlbi_main.py", line 275, in <module>',
    "    main()",
    '  File "driver/amlbi_main.py", line 226, in main',
    "    sys.exit(exitcode_candidate)",
    "SystemExit: 42",
]


def _log_file(path: Path, rel: str = "logs/user/error/0/process000.txt") -> LogFile:
    return LogFile(rel, str(path), FileKind.USER_ERROR_TRACE, path.stat().st_size, "0", "process000")


def _scan(path: Path, matcher: Any = None) -> FileScan:
    return scan_file(_log_file(path), matcher or build_matcher(TRIGGERS))


def _shape(result: FileScan) -> dict[str, Any]:
    """Everything a scan found, in a comparable form."""
    return {
        "skipped": result.skipped_reason,
        "hits": sorted((h.line, h.trigger, h.text, h.timestamp) for h in result.hits),
        "hit_counts": dict(sorted(result.hit_counts.items())),
        "tracebacks": [
            (t.line, t.exception_line, t.exceptions, [(f.filename, f.lineno, f.function) for f in t.frames])
            for t in result.tracebacks
        ],
        "lines": result.lines,
        "first": result.first_timestamp,
        "last": result.last_timestamp,
    }


def _findings(report: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, int | None]]]]:
    return [(f["rule_id"], f["message"], [(e["path"], e["line"]) for e in f["evidence"]]) for f in report["findings"]]


# ---------------------------------------------------------------------------------------------------
# Files that are skipped


def test_symlink_leading_outside_the_folder_is_skipped(tmp_path: Path, sample_dir: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nNo module named 'secret'\n")
    (outside / "folder").mkdir()
    (outside / "folder" / "process000.txt").write_text("No module named 'elsewhere'\n")
    root = tmp_path / "job"
    shutil.copytree(sample_dir, root)
    os.symlink(outside / "id_rsa", root / "logs" / "user" / "stdout" / "10.0.0.4" / "process009.stdout.txt")
    os.symlink(outside / "folder", root / "logs" / "user" / "error" / "10.0.0.9")
    # A link that stays inside the folder is fine.
    os.symlink(root / "logs" / "job_result.txt", root / "logs" / "job_result.copy.txt")
    report = analyse_folder(str(root)).to_dict()
    skipped = {item["path"]: item["reason"] for item in report["sources"]["files_skipped"]}
    assert skipped == {
        "logs/user/error/10.0.0.9": "symbolic link leads outside the log folder",
        "logs/user/stdout/10.0.0.4/process009.stdout.txt": "symbolic link leads outside the log folder",
    }
    text = repr(report)
    assert "secret" not in text and "elsewhere" not in text
    assert report["root_cause"]["rule_id"] == "BT101"


def test_symlink_loop_is_skipped(tmp_path: Path, sample_dir: Path) -> None:
    root = tmp_path / "job"
    shutil.copytree(sample_dir, root)
    os.symlink(root / "logs", root / "logs" / "sys" / "again")
    tree = walk_tree(str(root))
    assert [(s.path, s.reason) for s in tree.skipped] == [("logs/sys/again", "symbolic link loop")]
    assert not any("/again/" in f.path for f in tree.files)


def test_binary_file_is_skipped_with_a_reason(tmp_path: Path, sample_dir: Path) -> None:
    root = tmp_path / "job"
    shutil.copytree(sample_dir, root)
    blob = bytes(range(256)) * 64 + b"No module named 'binary'\n"
    (root / "logs" / "user" / "stdout" / "10.0.0.4" / "process005.stdout.txt").write_bytes(blob)
    (root / "logs" / "sys" / "node" / "10.0.0.4" / "process000.profile").write_bytes(b"\x00cProfile\x00" * 50)
    report = analyse_folder(str(root)).to_dict()
    skipped = {item["path"]: item["reason"] for item in report["sources"]["files_skipped"]}
    assert skipped["logs/user/stdout/10.0.0.4/process005.stdout.txt"] == "binary content"
    assert skipped["logs/sys/node/10.0.0.4/process000.profile"] == "profiler output (binary)"
    assert "binary" not in repr(report["findings"])


# ---------------------------------------------------------------------------------------------------
# Encodings and line endings


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_file_is_decoded(tmp_path: Path, encoding: str) -> None:
    # "utf-16" writes a BOM; the -le/-be forms have none and are recognised from the NUL bytes.
    text = "\r\n".join(["Windows node log", *INIT_TRACE]) + "\r\n"
    path = tmp_path / "process000.txt"
    path.write_bytes(text.encode(encoding))
    result = _scan(path)
    assert result.skipped_reason is None
    assert result.decode_note is not None
    modules = [h for h in result.hits if h.trigger == "No module named"]
    assert [(h.line, h.text) for h in modules] == [(8, "ModuleNotFoundError: No module named 'pandas'")]
    assert [(t.line, t.exception_line, t.exc_type) for t in result.tracebacks] == [(3, 8, "ModuleNotFoundError")]
    assert result.lines == 8


def test_utf16_tree_gives_the_same_diagnosis(tmp_path: Path, sample_dir: Path) -> None:
    root = tmp_path / "job"
    shutil.copytree(sample_dir, root)
    baseline = _findings(analyse_folder(str(root)).to_dict())
    for path in (root / "logs" / "user" / "error").rglob("*.txt"):
        path.write_bytes(codecs.BOM_UTF16_LE + path.read_text().encode("utf-16-le"))
    assert _findings(analyse_folder(str(root)).to_dict()) == baseline


def test_crlf_gives_the_same_result_as_lf(tmp_path: Path, sample_dir: Path) -> None:
    lf_root = tmp_path / "lf"
    crlf_root = tmp_path / "crlf"
    shutil.copytree(sample_dir, lf_root)
    shutil.copytree(sample_dir, crlf_root)
    for path in crlf_root.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    lf = analyse_folder(str(lf_root)).to_dict()
    crlf = analyse_folder(str(crlf_root)).to_dict()
    assert _findings(crlf) == _findings(lf)
    assert crlf["verdict"] == lf["verdict"]
    assert crlf["stats"]["mini_batches"] == lf["stats"]["mini_batches"]
    assert crlf["stats"]["resources"] == lf["stats"]["resources"]
    for finding in crlf["findings"]:
        for evidence in finding["evidence"]:
            assert "\r" not in evidence["excerpt"]


# ---------------------------------------------------------------------------------------------------
# Chunk boundaries


def _boundary_file(tmp_path: Path) -> Path:
    long_line = "2024-05-12 10:00:02,000|INFO|334|payload " + "x" * 240 + " Error: No module named 'numpyy'"
    lines = [
        "2024-05-12 10:00:01,000|INFO|334|Start the agent process000.",
        long_line,
        *INIT_TRACE,
        *(f"2024-05-12 10:00:{10 + i:02d},000|INFO|334|Processed task {i}." for i in range(12)),
        "2024-05-12 10:01:00,000|ERROR|334|Failed to process mini batch 7. Exception: bad value. "
        "Detail: Traceback (most recent call last):",
        f'  File "{PRS}/entry_script.py", line 141, in run',
        "    result = self.module.run(mini_batch)",
        f'  File "{WD}/score.py", line 33, in run',
        "    value = float(cell)",
        "ValueError: could not convert string to float: 'n/a'",
        "2024-05-12 10:01:01,000|ERROR|334|stderr: terminate called without an active exception",
        *STD_LOG_42,
        "2024-05-12 10:02:00,000|INFO|334|process000 exits with returncode -9.",
    ]
    path = tmp_path / "process000.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("chunk", [80, 97, 128, 211, 333, 512, 1024, 4096])
def test_chunk_boundaries_do_not_change_what_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    path = _boundary_file(tmp_path)
    expected = _shape(_scan(path))
    assert expected["lines"] == 38
    assert [t[:3] for t in expected["tracebacks"]] == [
        (4, 9, [("ModuleNotFoundError", "No module named 'pandas'")]),
        (22, 27, [("ValueError", "could not convert string to float: 'n/a'")]),
        (32, 37, [("SystemExit", "42")]),
    ]
    monkeypatch.setattr(scan_module, "CHUNK_SIZE", chunk)
    assert _shape(_scan(path)) == expected


def test_traceback_split_across_chunks_keeps_its_line_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _boundary_file(tmp_path)
    monkeypatch.setattr(scan_module, "CHUNK_SIZE", 97)
    result = _scan(path)
    first = result.tracebacks[0]
    assert (first.line, first.exception_line) == (4, 9)
    assert [f.lineno for f in first.frames] == [88, 5]
    assert first.phase == "init"
    second = result.tracebacks[1]
    assert (second.line, second.exception_line, second.phase) == (22, 27, "run")
    hits = {(h.trigger, h.line) for h in result.hits}
    assert {("No module named", 2), ("No module named", 9), ("exits with returncode -9", 38)} <= hits


def test_a_line_longer_than_the_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_SIZE", 64)
    text = (
        "first line\n"
        + "2024-05-12 10:00:02,000|ERROR|334|"
        + "y" * 5000
        + " oom-kill\n"
        + "third line: process002 exits with returncode -9.\n"
    )
    path = tmp_path / "process000.txt"
    path.write_text(text)
    result = _scan(path)
    lines = {h.trigger: h.line for h in result.hits}
    assert lines["exits with returncode -9"] == 3
    assert result.lines == 3
    assert all(len(h.text) <= scan_module.MAX_EXCERPT + 2 for h in result.hits)


def test_a_chained_traceback_is_one_traceback(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "2024-05-12 10:03:12,552|ERROR|2214|Failed to process mini batch 3.",
            "Traceback (most recent call last):",
            '  File "/azureml-envs/x/lib/python3.10/site-packages/pandas/core/indexes/base.py", line 3653, in get_loc',
            "    return self._engine.get_loc(casted_key)",
            "KeyError: 'feature_7'",
            "",
            "The above exception was the direct cause of the following exception:",
            "",
            "Traceback (most recent call last):",
            f'  File "{WD}/score.py", line 41, in run',
            "    features = frame[FEATURES]",
            "KeyError: 'feature_7'",
        ]
    )
    path = tmp_path / "process000.txt"
    path.write_text(text + "\n")
    result = _scan(path)
    assert [(t.line, t.exception_line) for t in result.tracebacks] == [(2, 12)]
    assert result.tracebacks[0].exceptions == [("KeyError", "'feature_7'"), ("KeyError", "'feature_7'")]


def test_a_traceback_takes_the_time_of_the_record_that_introduced_it(tmp_path: Path) -> None:
    path = tmp_path / "process000.txt"
    path.write_text("\n".join(INIT_TRACE) + "\n")
    assert _scan(path).tracebacks[0].timestamp == "2024-05-12T10:00:24.913000"


# ---------------------------------------------------------------------------------------------------
# The two matchers


def _corpus() -> list[Path]:
    files = [p for p in (TESTS / "rules").rglob("*") if p.is_file()]
    files += [p for p in (TESTS.parent / "samples").rglob("*") if p.is_file()]
    return sorted(files)


def _matchers() -> tuple[Any, Any]:
    pytest.importorskip("hyperscan")
    from azext_batchtroubleshoot.logs.matcher import HyperscanMatcher

    return HyperscanMatcher(TRIGGERS), RegexMatcher(TRIGGERS)


def _named(matcher: Any, data: bytes) -> list[tuple[int, str]]:
    """Every occurrence as (offset, trigger), plus the set ``present()`` reports, which the scanner relies on."""
    found = sorted((offset, matcher.triggers[index]) for index, offset in matcher.find(data))
    present = sorted((-1, matcher.triggers[index]) for index in matcher.present(data))
    return present + found


def test_build_matcher_prefers_hyperscan() -> None:
    pytest.importorskip("hyperscan")
    assert type(build_matcher(TRIGGERS)).__name__ == "HyperscanMatcher"
    assert type(build_matcher(TRIGGERS, prefer_hyperscan=False)).__name__ == "RegexMatcher"


def test_matchers_agree_on_every_fixture_and_sample_file() -> None:
    fast, slow = _matchers()
    differences = {}
    for path in _corpus():
        data = path.read_bytes()
        if _named(fast, data) != _named(slow, data):
            only_fast = sorted(set(_named(fast, data)) - set(_named(slow, data)))
            only_slow = sorted(set(_named(slow, data)) - set(_named(fast, data)))
            differences[str(path.relative_to(TESTS.parent))] = (only_fast[:3], only_slow[:3])
    assert not differences, differences


OVERLAPPING_LINES = {
    "memory-error": "MemoryError: Unable to allocate 3.20 GiB for an array with shape (429496730,) and data type "
    "float64",
    "automl-forecast": "AttributeError: 'RegressionPipeline' object has no attribute 'forecast'",
    "stream-access": "ScriptExecutionException was caused by StreamAccessException. "
    "StreamAccessException was caused by AuthenticationException: Unauthorized",
    "nested-keyerror": "Failed to set task visible because of (195, 1). KeyError: (195, 1)",
}


@pytest.mark.parametrize("line", OVERLAPPING_LINES.values(), ids=OVERLAPPING_LINES.keys())
def test_matchers_agree_on_overlapping_triggers(line: str) -> None:
    fast, slow = _matchers()
    data = (line + "\n").encode()
    assert _named(slow, data) == _named(fast, data)


# Two triggers where the end of one is the start of the other ("MemoryError" + "Error: " -> "MemoryError: ").
MERGED = sorted(
    {
        first + second[size:]
        for first in TRIGGERS
        for second in TRIGGERS
        for size in range(2, min(len(first), len(second)))
        if first != second and second not in first and first.endswith(second[:size])
    }
)


@settings(
    max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(TRIGGERS),
            st.sampled_from(MERGED or TRIGGERS),
            st.sampled_from(["\n", " ", "|", ": ", "Error", "Key", "x", "'", "(", "0", "Memory", "CUDA "]),
        ),
        max_size=20,
    )
)
def test_matchers_agree_on_any_mix_of_triggers(parts: list[str]) -> None:
    fast, slow = _matchers()
    data = "".join(parts).encode()
    assert _named(slow, data) == _named(fast, data)


def test_both_matchers_give_the_same_diagnosis(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hyperscan")
    trees = [TESTS.parent / "samples" / "init-missing-module"]
    trees += sorted(p for p in (TESTS / "rules").glob("*/fires") if p.is_dir())
    fast = {str(tree): _findings(analyse_folder(str(tree)).to_dict()) for tree in trees}
    monkeypatch.setattr(
        facts_module, "build_matcher", lambda triggers, prefer_hyperscan=True: build_matcher(triggers, False)
    )
    slow = {str(tree): _findings(analyse_folder(str(tree)).to_dict()) for tree in trees}
    different = [tree for tree in trees if fast[str(tree)] != slow[str(tree)]]
    assert not different, [str(tree.relative_to(TESTS.parent)) for tree in different]


# ---------------------------------------------------------------------------------------------------
# Read only


def _snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            state[os.path.relpath(path, root)] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return state


def test_the_analysis_never_writes_into_the_log_folder(tmp_path: Path, sample_dir: Path) -> None:
    root = tmp_path / "job"
    shutil.copytree(sample_dir, root / "artifacts")
    (root / "artifacts" / "logs" / "user" / "stdout" / "10.0.0.4" / "process009.stdout.txt").write_bytes(b"\x00" * 200)
    before = _snapshot(root)
    report = analyse_folder(str(root), workers=2).to_dict()
    from azext_batchtroubleshoot.render.markdown import render_markdown
    from azext_batchtroubleshoot.render.text import render_text

    render_text(report)
    render_markdown(report)
    assert _snapshot(root) == before


# ---------------------------------------------------------------------------------------------------
# Lines are counted only where a line number is needed


def _stdout_file(path: Path) -> LogFile:
    return LogFile("logs/user/stdout/0/process000.stdout.txt", str(path), FileKind.USER_STDOUT, 0, "0", "process000")


def test_chunks_without_a_trigger_are_counted_only_when_needed(tmp_path: Path) -> None:
    quiet = "".join(f"2024-05-12 10:{k // 60 % 60:02d}:{k % 60:02d},000 scored file_{k}.csv\n" for k in range(3000))
    path = tmp_path / "process000.stdout.txt"
    path.write_text(quiet + STD_LOG_42[-1] + "\n" + quiet + "MemoryError\n" + quiet)
    log_file = _stdout_file(path)
    matcher = build_matcher(TRIGGERS)
    with open(path, "rb") as handle:
        chunked = scan_module.scan_handle(handle, log_file, matcher, chunk_size=4096)
    whole = scan_file(log_file, matcher)
    assert [(h.line, h.trigger) for h in chunked.hits] == [(h.line, h.trigger) for h in whole.hits]
    assert {h.line for h in chunked.hits} >= {3001, 6002}
    assert chunked.uncounted_bytes > 0  # the quiet chunks after the last trigger were not counted while scanning...
    assert chunked.lines == whole.lines == 9002  # ...and are counted when asked
    assert chunked.uncounted_bytes == 0
    assert chunked.last_timestamp == whole.last_timestamp == "2024-05-12T10:49:59.000000"


def test_a_file_gone_before_its_lines_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "process000.stdout.txt"
    path.write_text("Traceback (most recent call last):\n" + "quiet line\n" * 2000)
    log_file = _stdout_file(path)
    with open(path, "rb") as handle:
        result = scan_module.scan_handle(handle, log_file, build_matcher(TRIGGERS), chunk_size=1024)
    path.unlink()
    assert result.uncounted_bytes > 0 and result.lines >= 1  # what was counted, no error


@pytest.mark.parametrize("prefer_hyperscan", [True, False], ids=["hyperscan", "regex"])
def test_a_trigger_across_the_cut_of_an_enormous_line_is_found_once(tmp_path: Path, prefer_hyperscan: bool) -> None:
    """A line with no newline for 4 chunks is cut; a trigger on any byte around the cut is found, and counted, once."""
    chunk = 1024
    matcher = build_matcher(TRIGGERS, prefer_hyperscan=prefer_hyperscan)
    trigger = "MemoryError"
    overlap = max(map(len, matcher.needles)) - 1
    first_cut = 4 * chunk - overlap
    path = tmp_path / "process000.stdout.txt"
    log_file = _stdout_file(path)
    for before in range(first_cut - len(trigger) - 2, 4 * chunk + 3):  # across this cut and the old one (4 chunks)
        path.write_bytes(b"x" * before + trigger.encode() + b"y" * (3 * chunk) + b"\nlast line\n")
        with open(path, "rb") as handle:
            result = scan_module.scan_handle(handle, log_file, matcher, chunk_size=chunk)
        found = [(h.line, h.trigger) for h in result.hits if h.trigger == trigger]
        assert found == [(1, trigger)], before
        assert result.hit_counts[trigger] == 1, before
        assert trigger in next(h.text for h in result.hits if h.trigger == trigger)
        assert result.lines == 2
