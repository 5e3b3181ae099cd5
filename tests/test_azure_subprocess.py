"""The real ``az`` in a subprocess: signing in against the fake (managed identity), diagnosing a job, and proving that
``--help`` and offline commands never import azure-ai-ml (it costs ~3 s of start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from azure_fixtures import *  # noqa: F403 - the fixtures: fake_aml, aml
from azure_fixtures import DEV_SOURCES, FAST_ENV, REPO_ROOT

from tests.fake_aml import FakeAmlServer, fixtures
from tests.fake_aml.server import prepare_az_config_dir

AZ = Path(sys.executable).with_name("az")
# Set by other tests' session fixtures in this process; a subprocess must not inherit them by accident.
LEAKY = ("ARM_CLOUD_METADATA_URL", "AZUREML_CURRENT_CLOUD", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "AZURE_CONFIG_DIR")

PROBE = textwrap.dedent(
    """
    import json, os, sys
    from azure.cli.core import get_default_cli

    found = {}
    for args in json.loads(sys.argv[1]):
        try:
            get_default_cli().invoke(args, out_file=open(os.devnull, "w"))
        except SystemExit:
            pass
        found[" ".join(args)] = sorted(m for m in sys.modules if m.startswith(("azure.ai.ml", "azure.storage.blob")))
    print(json.dumps(found))
    """
)


def _clean_env(config_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(FAST_ENV)
    env.update({"AZURE_CONFIG_DIR": str(config_dir), "AZURE_EXTENSION_DEV_SOURCES": DEV_SOURCES})
    return env


def test_help_and_offline_diagnose_do_not_import_azure_ai_ml(fake_aml: FakeAmlServer, tmp_path: Path) -> None:
    # fake_aml: only for the dev-extension check it performs; nothing here talks to it.
    config_dir = prepare_az_config_dir(tmp_path / "az")
    commands = [
        ["ml", "batch-troubleshoot", "--help"],
        ["ml", "batch-troubleshoot", "diagnose", "--help"],
        ["ml", "batch-troubleshoot", "logs", "--help"],
        [
            "ml",
            "batch-troubleshoot",
            "diagnose",
            "--log-dir",
            str(REPO_ROOT / "samples" / "init-missing-module"),
            "-o",
            "json",
        ],
        ["ml", "batch-troubleshoot", "rules", "list", "-o", "json"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(commands)],
        env=_clean_env(config_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {" ".join(c): [] for c in commands}


@pytest.mark.skipif(not AZ.exists(), reason=f"azure-cli's `az` is not installed next to {sys.executable}")
def test_az_login_identity_then_diagnose_a_failed_batch_job(aml: FakeAmlServer, tmp_path: Path) -> None:
    config_dir = prepare_az_config_dir(tmp_path / "az")
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(aml.subprocess_env(config_dir))  # identity endpoint, CA bundle, cloud metadata, loopback-only proxy
    env.update(FAST_ENV)
    env["AZURE_EXTENSION_DEV_SOURCES"] = DEV_SOURCES

    def az(*args: str) -> Any:
        return subprocess.run([str(AZ), *args], env=env, capture_output=True, text=True, timeout=120, check=False)

    login = az("login", "--identity", "-o", "none")
    assert login.returncode == 0, login.stderr
    run = az("ml", "batch-troubleshoot", "diagnose", "-n", fixtures.FAILED, "-g", "rg", "-w", "ws", "-o", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["verdict"] == "failed" and report["root_cause"]["rule_id"] == "BT101"
    assert report["job"]["parent_name"] == fixtures.FAILED and report["job"]["status"] == "Failed"
    assert aml.requests(fixtures.PREDICTIONS_NAME) == []
    assert any(r.auth == "Bearer" for r in aml.requests(f"/jobs/{fixtures.FAILED}"))  # the token from az login
    assert not [r for r in aml.requests() if r.note], "az tried to reach something other than the fake"
    cache = config_dir / "batchtroubleshoot" / "jobs" / "ws" / fixtures.FAILED / fixtures.FAILED_CHILD
    assert (cache / "logs" / "user" / "error.txt").is_file()
