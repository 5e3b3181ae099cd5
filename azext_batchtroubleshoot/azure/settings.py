"""Tunables read from the environment: production defaults, shortened by the tests."""

from __future__ import annotations

import os
from dataclasses import dataclass

POLL_ENV = "BATCHTROUBLESHOOT_POLL_SECONDS"
BACKOFF_ENV = "BATCHTROUBLESHOOT_RETRY_BACKOFF"
WORKERS_ENV = "BATCHTROUBLESHOOT_DOWNLOAD_WORKERS"
READ_TIMEOUT_ENV = "BATCHTROUBLESHOOT_READ_TIMEOUT"


def _float(name: str, default: float, low: float, high: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return min(high, max(low, value))


@dataclass(frozen=True)
class Settings:
    # Seconds between two polls of ``logs --follow``.
    poll_seconds: float = 5.0
    # Exponential back-off factor of every retry (azure-core's default is 0.8 s; storage's first wait is 15 s).
    backoff: float = 0.8
    # Attempts per HTTP request before we give up (azure-core retries 408/429/5xx and connection errors).
    retries: int = 4
    # Parallel downloads.
    workers: int = 8
    # ``logs --follow``: give up after this many consecutive failed polls (each already retried with back-off).
    follow_failures: int = 6
    # Seconds to wait for storage to send data before the read is retried.
    read_timeout: float = 60.0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            poll_seconds=_float(POLL_ENV, cls.poll_seconds, 0.05, 600.0),
            backoff=_float(BACKOFF_ENV, cls.backoff, 0.0, 60.0),
            workers=int(_float(WORKERS_ENV, cls.workers, 1, 32)),
            read_timeout=_float(READ_TIMEOUT_ENV, cls.read_timeout, 0.2, 600.0),
        )
