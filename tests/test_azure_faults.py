"""Faults survived: every transient failure the service or storage can throw at a download is retried with back-off
and the downloaded logs are complete and the diagnosis the same; a failure that does not go away is reported."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from azure_fixtures import *  # noqa: F403 - the fixtures: fake_aml, aml, az
from azure_fixtures import WS_ARGS

from tests.fake_aml import FakeAmlServer, fixtures

BT = ("ml", "batch-troubleshoot")
LOG = "logs/job_result.txt"

# (fault kind, keyword arguments of FakeAmlServer.add_fault), each hitting the same log blob once or twice.
FAULTS = {
    "throttled-429-retry-after": ("status", {"status": 429, "retry_after": 1, "count": 2}),
    "server-error-500": ("status", {"status": 500, "count": 2}),
    "unavailable-503": ("status", {"status": 503, "retry_after": 0, "count": 1}),
    "read-timeout": ("delay", {"delay": 2.5, "count": 1}),
    "connection-reset": ("reset", {"count": 2}),
    "truncated-body": ("truncate", {"count": 1}),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_transient_storage_fault_is_retried_and_the_logs_are_complete(
    name: str, az: Any, aml: FakeAmlServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHTROUBLESHOOT_READ_TIMEOUT", "1")
    kind, options = FAULTS[name]
    target = f"dcid.{fixtures.FAILED_CHILD}/{LOG}"
    fault = aml.add_fault(re.escape(target), kind, method="GET", **options)
    run = az(*BT, "diagnose", "-n", fixtures.FAILED, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    assert fault.hits >= 1, "the fault was never triggered"
    assert run.json["root_cause"]["rule_id"] == "BT101"
    cache = Path(az.config_dir) / "batchtroubleshoot" / "jobs" / "ws" / fixtures.FAILED
    downloaded = cache / fixtures.FAILED_CHILD / LOG
    expected = (fixtures.DATA_DIR / fixtures.FAILED_CHILD / LOG).read_bytes()
    assert downloaded.read_bytes() == expected
    manifest = json.loads((cache / ".batchtroubleshoot.json").read_text())
    assert manifest["files"][f"{fixtures.FAILED_CHILD}/{LOG}"]["size"] == len(expected)
    assert not [p for p in cache.rglob("*") if p.name.endswith(".bt-partial")]
    attempts = [r for r in aml.requests(target) if r.method == "GET"]
    if kind == "delay":
        # The client gave up on the slow answer (the server never finished logging it) and asked again.
        assert [r.fault for r in attempts] == [None]
    else:
        assert len(attempts) >= 2, "the failed request was retried"


def test_throttling_of_the_job_lookup_honours_retry_after(az: Any, aml: FakeAmlServer) -> None:
    aml.add_fault(rf"/jobs/{fixtures.SUCCEEDED}(\?|$)", "status", status=429, retry_after=1, count=1, method="GET")
    run = az(*BT, "diagnose", "-n", fixtures.SUCCEEDED, *WS_ARGS, "-o", "json")
    assert run.code == 0, run.err
    assert run.json["verdict"] == "healthy"
    lookups = [r for r in aml.requests(f"/jobs/{fixtures.SUCCEEDED}") if r.path.endswith(fixtures.SUCCEEDED)]
    assert [r.status for r in lookups[:2]] == [429, 200]
