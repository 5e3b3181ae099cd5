"""Hostile logs never crash the analysis: every case ends in a report (the file listed as skipped) or a clear error."""

from __future__ import annotations

import io
import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.core.errors import LogFolderError
from azext_batchtroubleshoot.core.grouping import mask
from azext_batchtroubleshoot.logs import scan as scan_module
from azext_batchtroubleshoot.logs.layout import FileKind, LogFile, classify
from azext_batchtroubleshoot.logs.matcher import RegexMatcher, build_matcher
from azext_batchtroubleshoot.logs.progress import parse_master, parse_overview
from azext_batchtroubleshoot.logs.redact import redact
from azext_batchtroubleshoot.logs.scan import TRACEBACK_TRIGGER, scan_handle
from azext_batchtroubleshoot.logs.tables import NodePerf, parse_disk_usage, parse_minibatch_reports, parse_node_usage
from azext_batchtroubleshoot.rules import REGISTRY

VERDICTS = {"failed", "partial", "stalled", "running", "healthy", "unknown"}
TRIGGERS = [TRACEBACK_TRIGGER, "No module named", "|ERROR|", "Error: ", "exits with returncode -9"]
FAMILIES = [
    "logs/job_progress_overview.2024051210.txt",
    "logs/job_result.txt",
    "logs/sys/master_role.txt",
    "logs/user/error.txt",
    "logs/user/error/0/process000.txt",
    "logs/sys/node/0/process000.txt",
    "logs/sys/node/0/_main.txt",
    "logs/sys/job_report/processed_mini-batches.csv",
    "logs/perf/0/node_resource_usage.csv",
    "logs/perf/0/node_disk_usage.csv",
    "logs/user/stdout/0/process000.stdout.txt",
    "user_logs/std_log_0.txt",
    "azureml-logs/70_driver_log.txt",
]
# Pieces of real log text, so generated files also hit the parsers' interesting paths.
FRAGMENTS = [
    b"2024-05-12T10:00:21.004417 Scheduling finished. Scheduled 120 mini batches in 17 seconds.\n",
    b"2024-05-12T10:02:32.900113 Processed 12 of 120 mini batches in 0:02:31. Estimated remaining time 0:22:39.\n",
    b"Traceback (most recent call last):\n",
    b'  File "/mnt/azureml/cr/j/1/exe/wd/score.py", line 5, in init\n',
    b"ModuleNotFoundError: No module named 'pandas'\n",
    b"2024-05-12 10:03:05,649|ERROR|334|Stop for run() unable to finish within 30 seconds for {}\n",
    b"Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Status\n",
    b'0,1,process000,2024-05-12T10:00:22.227237,10,10,0,12.41,RUN_DONE\n1,"2,x\n',
    b"Utc Time,Cpu Percent,Memory Total (MB),Memory Used Percent\n2024-05-12T10:00:00,12,16000,99\n",
    b"process002 exits with returncode -9.\n",
    b"\r\n",
    b"\r",
    b"\x00\x00",
    b"\xff\xfe\xfd",
    b"SystemExit: 42\n",
]

file_bytes = st.one_of(
    st.binary(max_size=2000),
    st.lists(st.sampled_from(FRAGMENTS), max_size=30).map(b"".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=40)), max_size=30).map(b"".join),
)


def _virtual(path: str = "logs/user/error/0/process000.txt") -> LogFile:
    kind, node, process, order = classify(path) or (FileKind.OTHER_LOG, None, None, "")
    return LogFile(path, "", kind, 0, node, process, order)


@settings(max_examples=300, deadline=None)
@given(data=file_bytes, chunk=st.integers(min_value=16, max_value=4096))
def test_scanner_survives_any_bytes(data: bytes, chunk: int) -> None:
    result = scan_handle(io.BytesIO(data), _virtual(), RegexMatcher(TRIGGERS), chunk_size=chunk)
    assert result.skipped_reason in (None, "binary content")
    for hit in result.hits:
        assert hit.line >= 1
        assert "\n" not in hit.text


@settings(max_examples=150, deadline=None)
@given(data=st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(b"".join), chunk=st.integers(16, 512))
def test_chunk_size_does_not_change_what_is_found(data: bytes, chunk: int) -> None:
    """Whatever the chunk boundaries, the same lines and line numbers are found as with one big chunk."""
    matcher = RegexMatcher(TRIGGERS)
    whole = scan_handle(io.BytesIO(data), _virtual(), matcher)
    pieces = scan_handle(io.BytesIO(data), _virtual(), matcher, chunk_size=chunk)
    assert [(h.line, h.trigger) for h in pieces.hits] == [(h.line, h.trigger) for h in whole.hits]
    assert pieces.lines == whole.lines
    if whole.skipped_reason is None and whole.decode_note is None:
        assert whole.lines == data.count(b"\n")
    assert [(t.line, t.exception_line) for t in pieces.tracebacks] == [
        (t.line, t.exception_line) for t in whole.tracebacks
    ]


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=3000))
def test_both_matchers_agree(data: bytes) -> None:
    fast = build_matcher(TRIGGERS)
    slow = RegexMatcher(TRIGGERS)
    assert sorted(fast.find(data)) == sorted(slow.find(data))


def _write(tmp: Path, name: str, data: bytes) -> LogFile:
    path = tmp / name.replace("/", "_")
    path.write_bytes(data)
    kind, node, process, order = classify(name) or (FileKind.OTHER_LOG, None, None, "")
    return LogFile(name, str(path), kind, len(data), node, process, order)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=file_bytes)
def test_structured_parsers_survive_any_bytes(data: bytes, tmp_path: Path) -> None:
    overview = parse_overview([_write(tmp_path, "logs/job_progress_overview.txt", data)])
    assert overview.lines >= 0
    parse_master([_write(tmp_path, "logs/sys/master_role.txt", data)])
    report = parse_minibatch_reports([_write(tmp_path, "logs/sys/job_report/processed_mini-batches.csv", data)])
    assert report.failed <= report.mini_batches
    perf = NodePerf("0")
    parse_node_usage(perf, _write(tmp_path, "logs/perf/0/node_resource_usage.csv", data), [])
    parse_disk_usage(perf, _write(tmp_path, "logs/perf/0/node_disk_usage.csv", data), [])


@settings(max_examples=300, deadline=None)
@given(path=st.lists(st.text(alphabet=string.printable, max_size=12), min_size=1, max_size=8).map("/".join))
def test_classify_never_raises(path: str) -> None:
    classify(path)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=500))
def test_mask_and_redact_never_raise(text: str) -> None:
    assert mask(mask(text)) == mask(text)
    assert redact(redact(text)) == redact(text)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(tree=st.dictionaries(st.sampled_from(FAMILIES), file_bytes, min_size=1, max_size=8))
def test_whole_analysis_always_ends_in_a_report(
    tree: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("tree")
    for name, data in tree.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    report = analyse_folder(str(root)).to_dict()
    assert report["verdict"] in VERDICTS
    assert report["sources"]["rule_errors"] == [], report["sources"]["rule_errors"]
    json.dumps(report)  # serialisable as the contract promises


def _tree(root: Path, files: dict[str, bytes | str]) -> Path:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


BASE = {
    "logs/job_progress_overview.2024051210.txt": "2024-05-12T10:00:01.102938 Start the simulator.\n",
    "logs/user/error/0/process000.txt": (
        "Traceback (most recent call last):\n"
        '  File "/mnt/azureml/cr/j/1/exe/wd/score.py", line 5, in init\n'
        "    import pandas\n"
        "ModuleNotFoundError: No module named 'pandas'\n"
    ),
}


def test_utf16_crlf_cr_and_nul_files_are_read(tmp_path: Path) -> None:
    text = "2024-05-12 10:00:00,000|ERROR|1|x\r\nModuleNotFoundError: No module named 'torch'\r\n"
    _tree(
        tmp_path,
        {
            **BASE,
            "logs/user/error/1/process000.txt": text.encode("utf-16"),
            "logs/user/error/2/process000.txt": text.replace("\r\n", "\r"),
            "logs/user/error/3/process000.txt": b"\x00\x00junk\x00\nModuleNotFoundError: No module named 'scipy'\x00\n",
            "logs/user/error/4/process000.txt": b"\xfa\xfe bad\nModuleNotFoundError: No module named 'numpy' \xfa\n",
        },
    )
    report = analyse_folder(str(tmp_path)).to_dict()
    messages = " ".join(f["message"] for f in report["findings"])
    for module in ("pandas", "torch", "scipy", "numpy"):
        assert module in messages
    assert report["sources"]["files_skipped"] == []


def test_binary_and_empty_files_are_listed_as_skipped(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            **BASE,
            "logs/sys/node/0/process001.txt": bytes(range(256)) * 64,
            "logs/sys/node/0/process002.txt": b"",
        },
    )
    report = analyse_folder(str(tmp_path)).to_dict()
    skipped = {item["path"]: item["reason"] for item in report["sources"]["files_skipped"]}
    assert skipped == {"logs/sys/node/0/process001.txt": "binary content"}
    assert report["root_cause"]["rule_id"] == "BT101"


def test_symlinks_outside_and_loops_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("ModuleNotFoundError: No module named 'leaked'\n")
    root = _tree(tmp_path / "job", BASE)
    (root / "logs/user/error/9").mkdir(parents=True)
    os.symlink(outside / "secret.txt", root / "logs/user/error/9/process000.txt")
    os.symlink(root / "logs", root / "logs/user/loop")
    report = analyse_folder(str(root)).to_dict()
    skipped = {item["path"]: item["reason"] for item in report["sources"]["files_skipped"]}
    assert skipped["logs/user/error/9/process000.txt"] == "symbolic link leads outside the log folder"
    assert "logs/user/loop" in skipped
    assert "leaked" not in json.dumps(report)


def test_deep_nesting_is_bounded(tmp_path: Path) -> None:
    root = _tree(tmp_path, BASE)
    deep = root / "logs" / "user" / "stdout"
    for level in range(60):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "process000.stdout.txt").write_text("hello\n")
    report = analyse_folder(str(root)).to_dict()
    assert any("nested deeper" in item["reason"] for item in report["sources"]["files_skipped"])
    assert report["root_cause"]["rule_id"] == "BT101"


def test_csv_with_broken_quoting_and_missing_columns(tmp_path: Path) -> None:
    header = "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Status\n"
    rows = [
        "0,1,process000,2024-05-12T10:00:22.227237,10,10,0,12.41,RUN_DONE\n",
        '1,1,process000,2024-05-12T10:00:35.0,10,"10,0,3.1,RUN_DONE\n',  # broken quote swallows the rest
        "2,1\n",  # missing columns
        "3,1,process001,not-a-time,ten,N/A,,abc,RUN_EXCEPTION,extra,columns,here\n",
        "4,1,process001,2099-01-01T00:00:00,10,9,1,1e309,RUN_DONE\n",  # future time, infinite number
    ]
    _tree(tmp_path, {**BASE, "logs/sys/job_report/processed_mini-batches.csv": header + "".join(rows)})
    report = analyse_folder(str(tmp_path)).to_dict()
    assert report["stats"]["mini_batches"]["total"] >= 2
    json.dumps(report)


def test_timestamps_out_of_order_and_in_the_future(tmp_path: Path) -> None:
    overview = (
        "2030-01-01T00:00:00.000000 Processed 5 of 10 mini batches in 0:01:00. Estimated remaining time 0:01:00.\n"
        "2024-05-12T10:00:00.000000 Processed 1 of 10 mini batches in 0:00:10. Estimated remaining time 0:05:00.\n"
    )
    _tree(tmp_path, {**BASE, "logs/job_progress_overview.2024051210.txt": overview})
    report = analyse_folder(str(tmp_path)).to_dict()
    assert report["verdict"] in VERDICTS


def test_many_tiny_files(tmp_path: Path) -> None:
    root = _tree(tmp_path, BASE)
    for node in range(20):
        folder = root / "logs" / "user" / "stdout" / str(node)
        folder.mkdir(parents=True)
        for index in range(500):
            (folder / f"process{index:03d}.stdout.txt").write_text("scored 1 file\n")
    report = analyse_folder(str(root)).to_dict()
    assert report["sources"]["files_read"] > 10000
    assert report["root_cause"]["rule_id"] == "BT101"


def test_a_line_longer_than_many_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_module, "CHUNK_SIZE", 64 * 1024)
    long_line = b"x" * (3 * 1024 * 1024) + b" ModuleNotFoundError: No module named 'hidden_at_the_end'\n"
    _tree(tmp_path, {**BASE, "logs/user/stdout/0/process000.stdout.txt": long_line})
    report = analyse_folder(str(tmp_path)).to_dict()
    assert "hidden_at_the_end" in json.dumps(report)
    assert all(len(e["excerpt"]) < 1000 for f in report["findings"] for e in f["evidence"])


def test_folder_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LogFolderError) as missing:
        analyse_folder(str(tmp_path / "nope"))
    assert missing.value.recommendation
    with pytest.raises(LogFolderError) as empty:
        analyse_folder(str(tmp_path))
    assert "No Azure ML job logs" in empty.value.message
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(LogFolderError):
        analyse_folder(str(tmp_path))


def test_a_rule_that_raises_does_not_hide_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path, BASE)
    broken = next(rule for rule in REGISTRY if rule.code == "BT921")

    def explode(_facts: object) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(broken, "check", explode)
    report = analyse_folder(str(tmp_path)).to_dict()
    assert report["sources"]["rule_errors"][0]["rule_id"] == "BT921"
    assert "boom" in report["sources"]["rule_errors"][0]["error"]
    assert report["root_cause"]["rule_id"] == "BT101"


def test_a_report_file_never_replaces_a_file_the_user_owns(tmp_path: Path) -> None:
    from azext_batchtroubleshoot.core.errors import ReportWriteError
    from azext_batchtroubleshoot.render.files import write_report

    report = analyse_folder(str(_tree(tmp_path / "job", BASE))).to_dict()
    notes = tmp_path / "notes.md"
    notes.write_text("my own notes\n")
    with pytest.raises(ReportWriteError) as refused:
        write_report(report, str(notes))
    assert "--overwrite" in (refused.value.recommendation or "")
    assert notes.read_text() == "my own notes\n"
    for name in ("report.md", "report.json", "report.txt"):
        target = tmp_path / name
        write_report(report, str(target))
        write_report(report, str(target))  # an earlier report is replaced without asking
        assert "pandas" in target.read_text()
        assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()
    write_report(report, str(notes), overwrite=True)
    assert "pandas" in notes.read_text()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_an_absurd_duration_does_not_overflow_the_date_arithmetic(tmp_path: Path) -> None:
    header = "Mini-batch Id,Picked Count,Process,Start Time,Total,Succeeded,Failed,Elapsed Seconds,Status\n"
    rows = (
        "0,1,process000,2024-05-12T10:00:22,10,10,0,1e300,RUN_DONE\n"
        "1,1,process000,9999-12-31T23:59:00,1,1,0,600,RUN_DONE\n"  # ends after the last representable moment
    )
    _tree(tmp_path, {**BASE, "logs/sys/job_report/processed_mini-batches.csv": header + rows})
    report = analyse_folder(str(tmp_path)).to_dict()
    assert report["stats"]["mini_batches"]["total"] == 2
