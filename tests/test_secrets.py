"""Secrets never leave: every output masks SAS tokens, account keys, bearer tokens, JWTs, connection strings,
passwords in URLs and assignments, and private keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azext_batchtroubleshoot.core.engine import analyse_folder
from azext_batchtroubleshoot.core.models import JobInfo
from azext_batchtroubleshoot.logs.redact import redact
from azext_batchtroubleshoot.render.markdown import render_markdown
from azext_batchtroubleshoot.render.table import findings_table
from azext_batchtroubleshoot.render.text import render_text

JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL21sLmF6dXJlLmNvbSJ9.c2lnbmF0dXJlYWJjZGVm"
# kind -> (a log line holding the secret, the secret value that must never be printed)
SECRETS = {
    "sas-token": (
        "Failed to read https://acct.blob.core.windows.net/data/in.csv?sv=2021-08-06&sp=r&sig=Zm9vYmFyU0lHTkFUVVJF%3D",
        "Zm9vYmFyU0lHTkFUVVJF",
    ),
    "account-key": (
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=QUNDT1VOVEtFWVNFQ1JFVDEyMzQ1Njc4OTA=;EndpointSuffix=x",
        "QUNDT1VOVEtFWVNFQ1JFVDEyMzQ1Njc4OTA=",
    ),
    "bearer-token": (
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789",
        "abcdefghijklmnopqrstuvwxyz0123456789",
    ),
    "jwt": (f"token was {JWT}", JWT),
    "connection-string": (
        "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=U0hBUkVES0VZU0VDUkVU=",
        "U0hBUkVES0VZU0VDUkVU=",
    ),
    "url-password": ("could not connect to postgresql://admin:Pa55w0rdInUrl@db:5432/x", "Pa55w0rdInUrl"),
    "password-assignment": ("login with password=Hunter2Secret failed", "Hunter2Secret"),
    "json-secret": ('config {"client_secret": "ClientSecretValue42"} rejected', "ClientSecretValue42"),
    "private-key": (
        "-----BEGIN RSA PRIVATE KEY-----MIIEpAIBAAKCAQEAPRIVATEKEYBODY-----END RSA PRIVATE KEY-----",
        "MIIEpAIBAAKCAQEAPRIVATEKEYBODY",
    ),
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_redact_masks_each_kind(kind: str) -> None:
    line, secret = SECRETS[kind]
    assert secret not in redact(line)


def _tree_with_secrets(root: Path) -> Path:
    lines = [line for line, _ in SECRETS.values()]
    trace = "".join(
        "Traceback (most recent call last):\n"
        '  File "/mnt/azureml/cr/j/1/exe/wd/score.py", line 9, in run\n'
        "    download(url)\n"
        f"RuntimeError: {line}\n"
        for line in lines
    )
    files = {
        "logs/user/error/0/process000.txt": trace,
        "logs/job_result.txt": "".join(f"ValueError: {line}\n" for line in lines),
        "logs/sys/node/0/process000.txt": "".join(f"2024-05-12 10:00:00,000|ERROR|33|{line}\n" for line in lines),
        "logs/job_progress_overview.2024051210.txt": "2024-05-12T10:00:01.102938 Start the simulator.\n",
    }
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return root


def test_no_output_contains_a_secret(tmp_path: Path) -> None:
    root = _tree_with_secrets(tmp_path)
    job = JobInfo(name="j", error=" ".join(line for line, _ in SECRETS.values()))
    report = analyse_folder(str(root), job=job).to_dict()
    assert report["findings"], "the tree must produce findings that quote the secret lines"
    outputs = {
        "json": json.dumps(report),
        "text": render_text(report),
        "text-color": render_text(report, color=True),
        "table": json.dumps(findings_table(report)),
        "markdown": render_markdown(report),
    }
    for kind, (_line, secret) in SECRETS.items():
        for name, output in outputs.items():
            assert secret not in output, f"{kind} leaked through {name}"
    # The excerpts still say what happened, with the secret masked.
    assert "***" in outputs["json"]
