"""The Azure path's pure parts, without a service: blob names as paths, the download folder rules, error
translation, cloud settings and the follow loop's bookkeeping."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from azure.cli.core import azclierror
from azure.core.exceptions import HttpResponseError, ServiceRequestError

from azext_batchtroubleshoot._client_factory import cloud_kwargs
from azext_batchtroubleshoot._errors import translate
from azext_batchtroubleshoot.azure.download import MANIFEST, PARTIAL_SUFFIX, prepare_folder
from azext_batchtroubleshoot.azure.errors import (
    GET_JOB,
    LIST_LOGS,
    SIGN_IN,
    AzureCallError,
    DownloadFolderError,
    DownloadInterruptedError,
    WorkspaceRef,
    is_transient,
)
from azext_batchtroubleshoot.azure.follow import Follower, LineFilter, node_of, parse_since
from azext_batchtroubleshoot.azure.jobs import JobPlan, RunInfo, pick_primary
from azext_batchtroubleshoot.azure.paths import UnsafeNameError, path_inside, safe_relpath
from azext_batchtroubleshoot.azure.session import job_info
from azext_batchtroubleshoot.azure.settings import Settings
from azext_batchtroubleshoot.azure.store import Listing, RemoteLog

WS = WorkspaceRef("sub-id", "rg", "ws")
IDENTITY = {"workspace": "/subscriptions/x/ws", "job": "job-1"}


# --------------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name",
    [
        "logs/sys/node/0/process000.txt",
        "user_logs/std_log_0.txt",
        "logs/perf/10.0.0.4/node_resource_usage.csv",
        "azureml-logs/70_driver_log.txt",
        "logs/sys/node/0/odd name (1).txt",
    ],
)
def test_ordinary_log_names_are_kept(name: str) -> None:
    assert safe_relpath(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "/etc/passwd",
        "~/x",
        "C:/Windows/x.txt",
        "c:x",
        "logs/../../x",
        "..",
        "logs/..",
        "logs/./x",
        "logs//x",
        "logs\\..\\x",
        "logs/x\x00y",
        "logs/\nx",
        "logs/x/",
        "logs/ x",
        "logs/x.",
        "a/" * 40 + "x",
    ],
)
def test_hostile_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafeNameError):
        safe_relpath(name)


def test_path_inside_refuses_symlinks_that_lead_out(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "logs").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, root / "logs" / "link")
    assert path_inside(str(root), "logs/a.txt") == str(root / "logs" / "a.txt")
    with pytest.raises(UnsafeNameError):
        path_inside(str(root), "logs/link/a.txt")


# --------------------------------------------------------------------------------------------------- folder


def test_new_or_empty_folder_is_accepted_and_partials_are_cleaned(tmp_path: Path) -> None:
    target = tmp_path / "new"
    manifest = prepare_folder(str(target), identity=IDENTITY, user_given=True, overwrite=False)
    assert target.is_dir() and manifest["job"] == "job-1" and manifest["files"] == {}
    partial = target / "run" / f"x.txt.abc{PARTIAL_SUFFIX}"
    partial.parent.mkdir()
    partial.write_text("half")
    prepare_folder(str(target), identity=IDENTITY, user_given=True, overwrite=False)
    assert not partial.exists()


def test_foreign_folder_needs_overwrite_and_other_jobs_manifest_too(tmp_path: Path) -> None:
    (tmp_path / "thesis.docx").write_text("precious")
    with pytest.raises(DownloadFolderError, match="already holds other files"):
        prepare_folder(str(tmp_path), identity=IDENTITY, user_given=True, overwrite=False)
    prepare_folder(str(tmp_path), identity=IDENTITY, user_given=True, overwrite=True)
    (tmp_path / MANIFEST).write_text(json.dumps({"format": "batchtroubleshoot-job-logs", "files": {}, **IDENTITY}))
    assert prepare_folder(str(tmp_path), identity=IDENTITY, user_given=True, overwrite=False)["job"] == "job-1"
    with pytest.raises(DownloadFolderError, match="another job"):
        prepare_folder(str(tmp_path), identity={**IDENTITY, "job": "job-2"}, user_given=True, overwrite=False)
    # The default cache folder is always ours: a corrupt manifest just means downloading again.
    (tmp_path / MANIFEST).write_text("{not json")
    assert prepare_folder(str(tmp_path), identity=IDENTITY, user_given=False, overwrite=False)["files"] == {}
    (tmp_path / "file").write_text("x")
    with pytest.raises(DownloadFolderError, match="is a file"):
        prepare_folder(str(tmp_path / "file"), identity=IDENTITY, user_given=True, overwrite=True)


# --------------------------------------------------------------------------------------------------- errors


def _http_error(status: int, body: dict[str, Any] | None = None, text: str = "") -> HttpResponseError:
    response = SimpleNamespace(
        status_code=status,
        reason="x",
        headers={},
        text=lambda: json.dumps(body) if body else text,
        content_type="application/json",
        request=None,
    )
    error = HttpResponseError(message=text or (body or {}).get("error", {}).get("message", "boom"), response=response)
    error.status_code = status
    return error


def test_not_signed_in_is_an_authentication_error_that_says_az_login() -> None:
    from knack.util import CLIError

    err = translate(AzureCallError(SIGN_IN, CLIError("Please run 'az login' to setup account.")))
    assert isinstance(err, azclierror.AuthenticationError)
    assert "not signed in" in err.error_msg and "az login" in err.recommendations[0]


def test_resource_group_not_found_is_named() -> None:
    body = {"error": {"code": "ResourceGroupNotFound", "message": "Resource group 'rg' could not be found."}}
    err = translate(AzureCallError(GET_JOB, _http_error(404, body), workspace=WS, job="j"))
    assert isinstance(err, azclierror.ResourceNotFoundError)
    assert err.error_msg == "Resource group 'rg' was not found in subscription 'sub-id'."


def test_service_errors_after_retries_and_network_errors_are_explained_without_secrets() -> None:
    secret_url = "https://acct.blob.core.windows.net/c/b?sv=2020&sig=TOPSECRET&se=2030"
    err = translate(AzureCallError(GET_JOB, _http_error(503, text=f"unavailable {secret_url}"), workspace=WS, job="j"))
    assert isinstance(err, azclierror.AzureInternalError)
    assert "even after retrying" in err.error_msg and "TOPSECRET" not in err.error_msg and "\n" not in err.error_msg
    net = translate(AzureCallError(LIST_LOGS, ServiceRequestError(f"connection refused to {secret_url}"), job="j"))
    assert isinstance(net, azclierror.AzureConnectionError) and "TOPSECRET" not in net.error_msg
    assert "proxy" in net.recommendations[0]


def test_download_errors_become_cli_errors() -> None:
    interrupted = translate(DownloadInterruptedError("The download of 1 of 9 log files was interrupted.", "Run again."))
    assert isinstance(interrupted, azclierror.AzureConnectionError)
    folder = translate(DownloadFolderError("The download path 'x' already holds other files.", "Use --overwrite."))
    assert isinstance(folder, azclierror.FileOperationError)


def test_transient_failures() -> None:
    assert is_transient(AzureCallError(GET_JOB, _http_error(503)))
    assert is_transient(AzureCallError(GET_JOB, _http_error(429)))
    assert is_transient(AzureCallError(GET_JOB, ServiceRequestError("reset")))
    assert not is_transient(AzureCallError(GET_JOB, _http_error(403)))
    assert not is_transient(AzureCallError(GET_JOB, _http_error(404)))


# --------------------------------------------------------------------------------------------------- clouds


def test_public_cloud_is_named_and_other_clouds_get_their_endpoints() -> None:
    assert cloud_kwargs(SimpleNamespace(name="AzureCloud")) == {"cloud": "AzureCloud"}
    sovereign = SimpleNamespace(
        name="MyStack",
        endpoints=SimpleNamespace(
            resource_manager="https://management.stack.example",
            active_directory="https://login.stack.example",
            portal="https://portal.azure.stack.example/",
        ),
        suffixes=SimpleNamespace(storage_endpoint="core.stack.example"),
    )
    kwargs = cloud_kwargs(sovereign)
    assert kwargs["cloud"] == "MyStack"
    assert kwargs["cloud_metadata"]["resource_manager"] == "https://management.stack.example/"
    assert kwargs["cloud_metadata"]["storage_endpoint"] == "core.stack.example"
    assert kwargs["cloud_metadata"]["aml_resource_id"] == "https://ml.azure.stack.example/"


# --------------------------------------------------------------------------------------------------- jobs


def test_batchscoring_step_is_primary_and_job_info_combines_parent_and_step() -> None:
    parent = RunInfo(
        "p",
        status="Failed",
        job_type="pipeline",
        studio_url="https://studio/p",
        error="Pipeline failed",
        created_at="t0",
        ended_at="t1",
        tags={"azureml.batchrun": "true"},
    )
    other = RunInfo("c0", display_name="prep", status="Completed")
    step = RunInfo("c1", display_name="batchscoring", status="Failed", error="exit 42", compute="gpu")
    assert pick_primary(parent, [other, step]) is step
    info = job_info(JobPlan(parent, [other, step], step, is_batch=True))
    assert (info.name, info.parent_name, info.status, info.error, info.compute) == (
        "c1",
        "p",
        "Failed",
        "exit 42",
        "gpu",
    )
    assert info.studio_url == "https://studio/p" and (info.created_at, info.ended_at) == ("t0", "t1")
    assert pick_primary(parent, [other]) is other
    assert pick_primary(parent, []) is None


@pytest.mark.parametrize(
    ("path", "node"),
    [
        ("logs/sys/node/0/process000.txt", "0"),
        ("logs/user/error/10.0.0.4/process001.txt", "10.0.0.4"),
        ("user_logs/std_log_process_3.txt", "3"),
        ("logs/job_result.txt", None),
    ],
)
def test_node_of_a_log_path(path: str, node: str | None) -> None:
    assert node_of(path) == node


class _Jobs:
    """A job that stays Running; status calls fail ``failures`` times first."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.workspace = WS

    def get(self, name: str) -> RunInfo:
        return RunInfo(name, status="Running", job_type="command")

    def status(self, name: str) -> str:
        if self.failures:
            self.failures -= 1
            raise AzureCallError(GET_JOB, _http_error(503), workspace=WS, job=name)
        return "Completed"

    def children(self, name: str) -> list[RunInfo]:
        return []

    def complete(self, info: RunInfo) -> RunInfo:
        return info


class _Store:
    def __init__(self) -> None:
        self.content = b"one\ntwo\npart"

    def list(self, run: RunInfo, refresh_details: bool = False) -> Listing:
        return Listing(logs=[RemoteLog(run.name, "user_logs/std_log.txt", size=len(self.content))])

    def read_from(self, log: RemoteLog, offset: int) -> bytes:
        return self.content[offset:]


def test_follow_keeps_offsets_across_failures_and_flushes_the_last_partial_line() -> None:
    out, err, store = io.StringIO(), io.StringIO(), _Store()
    sleeps: list[float] = []
    follower = Follower(
        cast(Any, _Jobs(failures=2)),
        cast(Any, store),
        "job",
        out=out,
        err=err,
        settings=Settings(poll_seconds=1.0),
        sleep=sleeps.append,
    )
    store.content += b"ial\n"  # grows between polls (the first poll happens in follow())
    summary = follower.follow()
    assert out.getvalue().splitlines() == [
        "[user_logs/std_log.txt] one",
        "[user_logs/std_log.txt] two",
        "[user_logs/std_log.txt] partial",
    ]
    assert summary.status == "Completed" and summary.lines == 3 and summary.retries == 2
    assert sleeps[:3] == [1.0, 1.0, 2.0]  # the poll interval, then a growing back-off after each failure
    assert err.getvalue().count("trying again") == 2


def test_follow_gives_up_after_too_many_failures() -> None:
    follower = Follower(
        cast(Any, _Jobs(failures=99)),
        cast(Any, _Store()),
        "job",
        out=io.StringIO(),
        err=io.StringIO(),
        settings=Settings(poll_seconds=0.01, follow_failures=3),
        sleep=lambda s: None,
    )
    with pytest.raises(AzureCallError) as caught:
        follower.follow()
    assert caught.value.attempts == 4
    assert isinstance(translate(caught.value), azclierror.AzureInternalError)


def test_line_filter_globs_match_path_or_name() -> None:
    log = RemoteLog("r", "logs/sys/node/0/process000.txt")
    assert LineFilter(file_glob="*process*").wants_file(log, log.path)
    assert LineFilter(file_glob="logs/sys/*").wants_file(log, log.path)
    assert not LineFilter(file_glob="user_logs/*").wants_file(log, log.path)
    assert not LineFilter(node="1").wants_file(log, log.path)


def test_download_progress_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.cli.core.mock import DummyCli

    from azext_batchtroubleshoot.custom import _progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    cmd = SimpleNamespace(cli_ctx=DummyCli())
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert _progress(cmd) is None
    terminal = Tty()
    monkeypatch.setattr("sys.stderr", terminal)
    update = _progress(cmd)
    assert update is not None
    for done in range(4):
        update(done, 3, done * 1048576)
    assert "Downloading logs: 2/3 files, 2.0 MB" in terminal.getvalue()


def test_each_file_gets_its_own_colour_on_a_terminal() -> None:
    out = io.StringIO()
    store = _Store()
    follower = Follower(cast(Any, _Jobs(failures=0)), cast(Any, store), "job", out=out, err=io.StringIO(), color=True)
    follower.print_once()
    assert out.getvalue().startswith("\x1b[36m[user_logs/std_log.txt]\x1b[0m one\n")


NOW = datetime(2024, 5, 12, 12, 0, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", datetime(2024, 5, 12, 11, 59, 30)),
        ("10m", datetime(2024, 5, 12, 11, 50)),
        ("1.5h", datetime(2024, 5, 12, 10, 30)),
        (" 2 days ", datetime(2024, 5, 10, 12, 0)),
        ("2024-05-12T10:00:00", datetime(2024, 5, 12, 10, 0)),
        ("2024-05-12 10:00", datetime(2024, 5, 12, 10, 0)),
        ("2024-05-12T10:00:00Z", datetime(2024, 5, 12, 10, 0)),
        ("2024-05-12T12:00:00+02:00", datetime(2024, 5, 12, 10, 0)),
    ],
)
def test_since_takes_a_duration_or_a_time(text: str, expected: datetime) -> None:
    assert parse_since(text, NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "10 minutes ago", "-5m", "2024-13-01", ""])
def test_since_refuses_anything_else_and_says_what_it_takes(text: str) -> None:
    with pytest.raises(ValueError, match="neither a duration"):
        parse_since(text, NOW)


def test_since_keeps_lines_without_a_time_with_the_line_before() -> None:
    store = _Store()
    store.content = (
        b"banner without a time\n"
        b"2024-05-12 09:00:00,000|INFO|1|old record\n"
        b"  an old continuation\n"
        b"2024-05-12 13:45:00,000|ERROR|1|new record\n"
        b"Traceback (most recent call last):\n"
        b"ValueError: new\n"
        b"2024-13-45 10:00:00 not a real time, goes with the line before\n"
        b"[2024-05-12 08:00:00.5] old again\n"
    )
    out = io.StringIO()
    line_filter = LineFilter(since=datetime(2024, 5, 12, 10, 0))
    Follower(cast(Any, _Jobs(failures=0)), cast(Any, store), "job", out=out, line_filter=line_filter).print_once()
    assert [line.split("] ", 1)[1] for line in out.getvalue().splitlines()] == [
        "banner without a time",
        "2024-05-12 13:45:00,000|ERROR|1|new record",
        "Traceback (most recent call last):",
        "ValueError: new",
        "2024-13-45 10:00:00 not a real time, goes with the line before",
    ]
