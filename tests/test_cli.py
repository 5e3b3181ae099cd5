"""The CLI surface: in-process through azure-cli-core's DummyCli, and as a process through scripts/az.

The extension is loaded the way `make dev` sets it up: ``AZURE_EXTENSION_DEV_SOURCES=<repo>/build/dev`` and a
configuration folder of the test's own (``AZURE_CONFIG_DIR``), so ``~/.azure`` is never read or written.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from azext_batchtroubleshoot.rules import REGISTRY

REPO = Path(__file__).resolve().parent.parent
DEV_SOURCES = REPO / "build" / "dev"
SAMPLE = REPO / "samples" / "init-missing-module"
AZ_SCRIPT = REPO / "scripts" / "az"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
QUIET_ENV = {
    "AZURE_CORE_COLLECT_TELEMETRY": "false",
    "AZURE_CORE_SURVEY_MESSAGE": "false",
    "AZURE_CORE_CHECK_UPDATE": "false",
    "AZURE_CORE_NO_COLOR": "true",
}


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    assert (DEV_SOURCES / "batchtroubleshoot").exists(), "build/dev/batchtroubleshoot is missing: run `make dev`"
    env = {
        "AZURE_CONFIG_DIR": str(tmp_path_factory.mktemp("azure-config")),
        "AZURE_EXTENSION_DEV_SOURCES": str(DEV_SOURCES),
        **QUIET_ENV,
    }
    patch = pytest.MonkeyPatch()
    for name, value in env.items():
        patch.setenv(name, value)
    patch.delenv("AZURE_CORE_OUTPUT", raising=False)
    yield env
    patch.undo()


def invoke(args: list[str]) -> tuple[int, str]:
    """Run one command on a fresh DummyCli; returns (exit code, what it printed)."""
    from azure.cli.core.mock import DummyCli

    out = io.StringIO()
    code = DummyCli().invoke(args, out_file=out)
    return code, out.getvalue()


def diagnose(*extra: str, log_dir: Path = SAMPLE) -> list[str]:
    return ["ml", "batch-troubleshoot", "diagnose", "--log-dir", str(log_dir), *extra]


# ---------------------------------------------------------------------------------------------------
# In process


def test_diagnose_json_follows_the_contract(cli_env: dict[str, str]) -> None:
    code, out = invoke(diagnose("-o", "json"))
    assert code == 0
    report = json.loads(out)
    assert report["schema_version"] == "1"
    assert set(report) >= {"schema_version", "verdict", "summary", "job", "root_cause", "findings", "stats", "sources"}
    assert report["verdict"] == "failed"
    assert report["summary"].startswith("The job failed: init() raised ModuleNotFoundError: No module named 'pandas'")
    assert set(report["job"]) >= {"name", "parent_name", "status", "studio_url", "error", "compute"}
    assert all(report["job"][key] is None for key in ("name", "status", "error"))
    root = report["root_cause"]
    assert root == report["findings"][0]
    assert root["rule_id"] == "BT101"
    assert set(root) >= {"rule_id", "name", "category", "severity", "title", "message", "remedy", "evidence", "count"}
    assert set(root["evidence"][0]) == {"path", "line", "excerpt"}
    stats = report["stats"]
    assert set(stats) >= {"mini_batches", "items", "nodes", "processes", "started_at", "ended_at", "duration_s"}
    assert set(stats["mini_batches"]) >= {"total", "succeeded", "failed", "retried"}
    assert set(stats["items"]) >= {"total", "succeeded", "failed"}
    assert (stats["nodes"], stats["processes"]) == (2, 4)
    assert stats["duration_s"] == pytest.approx(141.6)
    sources = report["sources"]
    assert set(sources) >= {"root", "files_read", "files_skipped"}
    assert Path(sources["root"]) == SAMPLE
    assert sources["files_read"] > 0
    assert sources["files_skipped"] == []


def test_diagnose_table(cli_env: dict[str, str]) -> None:
    code, out = invoke(diagnose("-o", "table"))
    assert code == 0
    header, rule, first = out.splitlines()[:3]
    assert header.split()[:5] == ["Rank", "Severity", "Rule", "Category", "Count"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert first.split()[:3] == ["1", "error", "BT101"]
    assert "logs/user/error/10.0.0.4/process000.txt:7" in first


def test_diagnose_query_tsv(cli_env: dict[str, str]) -> None:
    code, out = invoke(diagnose("--query", "root_cause.rule_id", "-o", "tsv"))
    assert (code, out) == (0, "BT101\n")


def _errors(capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """What the user sees on stderr: the error goes through azure-cli's logger, the recommendation is printed."""
    return capsys.readouterr().err + caplog.text


def test_diagnose_missing_folder(
    cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "no-such-folder"
    code, out = invoke(diagnose("-o", "json", log_dir=missing))
    err = _errors(capsys, caplog)
    assert code != 0
    assert out == ""
    assert f"The folder '{missing}' does not exist." in err
    assert "--log-dir" in err, "the recommendation is printed"


def test_diagnose_folder_without_logs(
    cli_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "notes.txt").write_text("nothing here\n")
    code, _ = invoke(diagnose("-o", "json", log_dir=tmp_path))
    assert code != 0
    assert "No Azure ML job logs were found" in _errors(capsys, caplog)


def test_fail_on_error_exits_1_after_printing_the_report(cli_env: dict[str, str]) -> None:
    from azure.cli.core.mock import DummyCli

    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        DummyCli().invoke(diagnose("--fail-on", "error", "-o", "json"), out_file=out)
    assert exited.value.code == 1
    assert json.loads(out.getvalue())["root_cause"]["rule_id"] == "BT101"


def test_fail_on_is_not_triggered_by_a_healthy_job(cli_env: dict[str, str]) -> None:
    healthy = REPO / "tests" / "rules" / "BT601_process-killed-oom" / "quiet"
    code, out = invoke(diagnose("--fail-on", "warning", "-o", "json", log_dir=healthy))
    assert code == 0
    assert json.loads(out)["verdict"] == "healthy"


def test_fail_on_exit_does_not_leak_into_the_next_command(cli_env: dict[str, str]) -> None:
    # A CLI object that outlives one command (az interactive, scripts embedding get_default_cli()) must not exit
    # with the previous command's code.
    from azure.cli.core.mock import DummyCli

    cli = DummyCli()
    with pytest.raises(SystemExit):
        cli.invoke(diagnose("--fail-on", "error", "-o", "json"), out_file=io.StringIO())
    out = io.StringIO()
    assert cli.invoke(["ml", "batch-troubleshoot", "rules", "list", "-o", "json"], out_file=out) == 0
    assert json.loads(out.getvalue())


def test_rules_list(cli_env: dict[str, str]) -> None:
    code, out = invoke(["ml", "batch-troubleshoot", "rules", "list", "-o", "json"])
    assert code == 0
    documented = json.loads(out)
    # The log rules come first, in registry order; the pre-flight checks (kind deployment/invoke) follow them.
    rules = [r for r in documented if r.get("kind", "log") == "log"]
    assert len(rules) == len(REGISTRY)
    assert [r["code"] for r in rules] == [rule.code for rule in REGISTRY]
    assert documented[: len(rules)] == rules
    assert set(rules[0]) >= {"code", "name", "category", "severity", "role", "title"}


def test_rules_list_table(cli_env: dict[str, str]) -> None:
    code, out = invoke(["ml", "batch-troubleshoot", "rules", "list", "-o", "table"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Code", "Name", "Category"]
    assert [line.split()[0] for line in lines[2 : 2 + len(REGISTRY)]] == [rule.code for rule in REGISTRY]


def test_rules_show(cli_env: dict[str, str]) -> None:
    code, out = invoke(["ml", "batch-troubleshoot", "rules", "show", "--id", "BT101", "-o", "json"])
    assert code == 0
    rule = json.loads(out)
    assert rule["code"] == "BT101"
    assert rule["name"] == "missing-python-module"
    for key in ("what_it_means", "why_it_matters", "example", "remedy", "docs_url", "triggers"):
        assert rule[key], key
    code, out = invoke(["ml", "batch-troubleshoot", "rules", "show", "--id", "missing-python-module", "-o", "json"])
    assert (code, json.loads(out)["code"]) == (0, "BT101")


def test_rules_show_unknown(
    cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    code, out = invoke(["ml", "batch-troubleshoot", "rules", "show", "--id", "BT999", "-o", "json"])
    assert code != 0
    assert out == ""
    err = _errors(capsys, caplog)
    assert "There is no rule 'BT999'" in err
    assert "rules list" in err


# ---------------------------------------------------------------------------------------------------
# As a process, through scripts/az


def _env(cli_env: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AZURE_", "PYTEST_"))}
    env.update(cli_env)
    env.pop("AZURE_CORE_NO_COLOR")
    env.pop("NO_COLOR", None)
    return env


def test_az_without_output_option_prints_json_when_piped(cli_env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(AZ_SCRIPT), "ml", "batch-troubleshoot", "diagnose", "--log-dir", str(SAMPLE)],
        capture_output=True,
        text=True,
        env=_env(cli_env),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "failed"
    assert report["root_cause"]["rule_id"] == "BT101"


def _run_in_pty(args: list[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str, str]:
    master, slave = pty.openpty()
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env, close_fds=True)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
        stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))[1]
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    return process.wait(), b"".join(chunks).decode("utf-8", "replace"), stderr.decode("utf-8", "replace")


def test_az_on_a_terminal_prints_the_human_report(cli_env: dict[str, str]) -> None:
    code, out, err = _run_in_pty(
        [str(AZ_SCRIPT), "ml", "batch-troubleshoot", "diagnose", "--log-dir", str(SAMPLE)], _env(cli_env)
    )
    assert code == 0, err
    text = ANSI.sub("", out).replace("\r\n", "\n").lstrip()
    assert text.startswith("✗ FAILED  The job failed: init() raised ModuleNotFoundError"), text[:300]
    assert "ROOT CAUSE" in text
    assert "{" not in text.splitlines()[0]


AZURE_AI_ML_PROBE = """
import json, os, sys
from azure.cli.core import get_default_cli
try:
    get_default_cli().invoke(sys.argv[1:], out_file=open(os.devnull, "w"))
except SystemExit:
    pass
print(json.dumps(sorted(name for name in sys.modules if name.startswith("azure.ai"))))
print("azext_batchtroubleshoot" in sys.modules)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["ml", "batch-troubleshoot", "--help"],
        ["ml", "batch-troubleshoot", "diagnose", "--help"],
        ["ml", "batch-troubleshoot", "diagnose", "--log-dir", str(SAMPLE), "-o", "json"],
    ],
    ids=["group-help", "diagnose-help", "diagnose-log-dir"],
)
def test_local_commands_never_import_azure_ai_ml(cli_env: dict[str, str], args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", AZURE_AI_ML_PROBE, *args],
        capture_output=True,
        text=True,
        env=_env(cli_env),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    modules, loaded = done.stdout.strip().splitlines()[-2:]
    assert loaded == "True", "the extension was not loaded; the probe proves nothing"
    assert json.loads(modules) == [], f"imported {modules}"


def test_help_lists_the_commands(cli_env: dict[str, str]) -> None:
    from azure.cli.core.mock import DummyCli

    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        DummyCli().invoke(["ml", "batch-troubleshoot", "--help"], out_file=out)
    assert exited.value.code == 0
