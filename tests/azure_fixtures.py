"""Fixtures for the end-to-end tests of the Azure path (``diagnose --name``, ``show``, ``logs``).

The real Azure CLI (``DummyCli``, in-process) loads this checkout as a dev extension (``AZURE_EXTENSION_DEV_SOURCES``)
and talks through the real azure-ai-ml and azure-storage-blob to the fake Azure ML service of ``tests/fake_aml``.
Only the sign-in is replaced: ``Profile.get_login_credentials`` returns a static token credential (the subprocess
test in ``test_azure_subprocess.py`` signs in for real, with ``az login --identity``).

Isolation: each test gets the fake's initial fixtures (``fake.reset()``), a fresh ``AZURE_CONFIG_DIR`` (the default
download cache lives there; the command index is copied from a template so the CLI does not rebuild it every time),
short retry back-offs and poll intervals (``BATCHTROUBLESHOOT_*``), and the fake's cloud in ``cli.cloud``.

Import the fixtures into a test module with ``from azure_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.fake_aml import (  # noqa: E402 - the project root must be importable first
    CLOUD_NAME,
    RESOURCE_GROUP,
    SUBSCRIPTION_ID,
    TENANT_ID,
    WORKSPACE,
    FakeAmlServer,
    install_localhost_resolution,
    running_fake_aml,
)
from tests.fake_aml.credential import StaticTokenCredential  # noqa: E402
from tests.fake_aml.localhost_dns import uninstall as uninstall_localhost_resolution  # noqa: E402
from tests.fake_aml.server import prepare_az_config_dir  # noqa: E402

DEV_SOURCES = str(REPO_ROOT / "build" / "dev")
INDEX_FILES = ("commandIndex.json", "extensionIndex.json", "helpIndex.json", "extensionHelpIndex.json")
WS_ARGS = ("-g", RESOURCE_GROUP, "-w", WORKSPACE)
FAST_ENV = {
    "BATCHTROUBLESHOOT_RETRY_BACKOFF": "0.01",
    "BATCHTROUBLESHOOT_POLL_SECONDS": "0.05",
    "AZURE_CORE_COLLECT_TELEMETRY": "false",
    "AZURE_CORE_SURVEY_MESSAGE": "false",
    "AZURE_CORE_NO_COLOR": "true",
}

__all__ = [
    "WS_ARGS",
    "AzRun",
    "aml",
    "az",
    "az_index_template",
    "fake_aml",
    "log_blob_gets",
]


@dataclass
class AzRun:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


def _ensure_dev_extension() -> None:
    """``make dev`` leaves build/dev/batchtroubleshoot -> ../.. and the egg-info the CLI looks for."""
    link = Path(DEV_SOURCES) / "batchtroubleshoot"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("..") / "..")
    if not list(REPO_ROOT.glob("*.egg-info")):
        pytest.skip("run 'make dev' first: the dev extension needs batchtroubleshoot.egg-info")


def _fake_cloud(fake: FakeAmlServer) -> Any:
    from azure.cli.core.cloud import _convert_arm_to_cli

    cloud = _convert_arm_to_cli([fake.shapes.cloud_metadata()])[CLOUD_NAME]
    cloud.profile = "latest"
    return cloud


def _forget_sdk_cloud() -> None:
    """azure-ai-ml keeps clouds in a module dict: another fake (other port, same cloud name) must not linger."""
    from azure.ai.ml import _azure_environments

    _azure_environments._environments.pop(CLOUD_NAME, None)
    os.environ.pop("AZUREML_CURRENT_CLOUD", None)


@pytest.fixture(scope="session")
def fake_aml(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAmlServer]:
    _ensure_dev_extension()
    with running_fake_aml(workdir=tmp_path_factory.mktemp("fake-aml")) as server:
        installed = install_localhost_resolution()
        try:
            yield server
        finally:
            if installed:
                uninstall_localhost_resolution()


@pytest.fixture(scope="session")
def az_index_template(fake_aml: FakeAmlServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A config dir whose command index already lists the dev extension (built once per session)."""
    template = prepare_az_config_dir(tmp_path_factory.mktemp("az-template"))
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, fake_aml, template)
        _run_cli(fake_aml, ["ml", "batch-troubleshoot", "rules", "list", "-o", "none"])
    return template


def _environment(mp: pytest.MonkeyPatch, fake: FakeAmlServer, config_dir: Path) -> None:
    for key, value in {**fake.sdk_env(), **FAST_ENV}.items():
        mp.setenv(key, value)
    mp.setenv("AZURE_CONFIG_DIR", str(config_dir))
    mp.setenv("AZURE_EXTENSION_DEV_SOURCES", DEV_SOURCES)
    from azure.cli.core import extension

    # Read once at import: another test module may have imported the CLI before these variables were set.
    mp.setattr(extension, "DEV_EXTENSION_SOURCES", [DEV_SOURCES])
    _forget_sdk_cloud()


@contextmanager
def _cli_console_logging() -> Iterator[None]:
    """Let the CLI set up its console logging (``ERROR: ...`` on the current, captured stderr) for one invocation.

    knack configures logging only when the root logger has no handler, and pytest keeps its own there.
    """
    from knack.log import cli_logger_names

    root = logging.getLogger()
    saved_root = root.handlers[:]
    cli_loggers = [logging.getLogger(name) for name in cli_logger_names]
    saved_cli = [lg.handlers[:] for lg in cli_loggers]
    root.handlers = []
    for lg in cli_loggers:
        lg.handlers = []
    try:
        yield
    finally:
        root.handlers = saved_root
        for lg, handlers in zip(cli_loggers, saved_cli):
            lg.handlers = handlers


def _run_cli(fake: FakeAmlServer, args: list[str]) -> int:
    from azure.cli.core.mock import DummyCli

    cli = DummyCli()
    cli.cloud = _fake_cloud(fake)
    out = io.StringIO()
    try:
        return int(cli.invoke(args, out_file=out) or 0)
    except SystemExit as exc:
        return int(exc.code or 0)


@pytest.fixture
def aml(fake_aml: FakeAmlServer) -> Iterator[FakeAmlServer]:
    """The fake, back to its initial fixtures; fails the test if anything hit a missing route or a fake bug."""
    fake_aml.reset()
    yield fake_aml
    fake_aml.stop_ticker()
    problems = [r for r in fake_aml.requests() if r.note and r.note.startswith(("no route", "fake bug"))]
    assert not problems, [(r.method, r.path, r.note) for r in problems]


@pytest.fixture
def az(
    aml: FakeAmlServer,
    az_index_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """``az("ml", "batch-troubleshoot", ...)`` → :class:`AzRun` (exit code, stdout incl. the result, stderr)."""
    config_dir = prepare_az_config_dir(tmp_path / "azconfig")
    for name in INDEX_FILES:
        if (az_index_template / name).exists():
            shutil.copy(az_index_template / name, config_dir / name)
    _environment(monkeypatch, aml, config_dir)
    credential = StaticTokenCredential()
    monkeypatch.setattr(
        "azure.cli.core._profile.Profile.get_login_credentials",
        mock.Mock(return_value=(credential, SUBSCRIPTION_ID, TENANT_ID)),
    )

    def run(*args: str) -> AzRun:
        capsys.readouterr()
        from azure.cli.core.mock import DummyCli

        cli = DummyCli()
        cli.cloud = _fake_cloud(aml)
        out = io.StringIO()
        with _cli_console_logging():
            try:
                code = cli.invoke(list(args), out_file=out)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        printed = capsys.readouterr()
        return AzRun(int(code or 0), printed.out + out.getvalue(), printed.err)

    run.config_dir = config_dir  # type: ignore[attr-defined]
    return run


def log_blob_gets(fake: FakeAmlServer) -> list[str]:
    """Blob paths fetched with GET (listings excluded), in order."""
    return [
        r.path
        for r in fake.requests(host_contains=".blob.")
        if r.method == "GET" and "comp=list" not in r.query and "restype=container" not in r.query
    ]
