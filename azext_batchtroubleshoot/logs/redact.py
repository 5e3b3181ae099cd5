"""Mask secrets before any text leaves the tool: SAS tokens, account keys, bearer tokens, JWTs, passwords, keys."""

from __future__ import annotations

import re

MASK = "***"

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, whole block (or what is left of it on one line).
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
        "-----BEGIN PRIVATE KEY-----" + MASK + "-----END PRIVATE KEY-----",
    ),
    # Storage connection strings and their parts.
    (
        re.compile(r"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|sharedaccesskey)=([^;\s\"']+)"),
        r"\1=" + MASK,
    ),
    # SAS query parameters: the signature and the other signed fields that identify it.
    (
        re.compile(r"(?i)([?&](?:sig|se|st|sp|sv|sr|spr|srt|ss|skoid|sktid|skt|ske|sks|skv|saoid|suoid)=)[^&\s\"'<>]+"),
        r"\1" + MASK,
    ),
    # Bearer tokens in headers.
    (re.compile(r"(?i)\b(bearer|Authorization:\s*Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 " + MASK),
    # JWTs anywhere (three base64url segments, the first a JSON header).
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), MASK),
    # user:password@host in URLs.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):([^@\s/]+)@"), r"\1:" + MASK + "@"),
    # password= / secret= / token= / api_key= style assignments (also JSON "password": "...").
    (
        re.compile(
            r"(?i)([\"']?\b(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?key|token|access_token|"
            r"refresh_token|account_key|sas_token|credential)\b[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&}]+)"
        ),
        r"\1" + MASK,
    ),
)


def redact(text: str) -> str:
    """Return ``text`` with every secret-looking value replaced by ``***``."""
    if not text:
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
