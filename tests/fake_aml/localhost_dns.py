"""Resolve ``*.localhost`` to 127.0.0.1 inside this Python process, without touching /etc/hosts.

Why: azure-ai-ml builds blob URLs as ``https://<account>.blob.<cloud storage suffix>`` and azure-storage-blob only
derives the account name from hosts that contain ``.blob.core.``. With the fake cloud's storage suffix
``core.localhost:<port>`` the blob host is ``devstoreaccount1.blob.core.localhost``. RFC 6761 reserves ``.localhost``
for loopback, but glibc with ``hosts: files dns`` does not resolve sub-domains of localhost, so something has to.

Options, all kept in tests/fake_aml/:

* in-process: ``install()`` / ``localhost_resolution()`` below patch ``socket.getaddrinfo`` (only names ending in
  ``.localhost`` are rewritten; everything else goes to the real resolver);
* subprocesses: put ``tests/fake_aml/pythonpath`` on ``PYTHONPATH``; its ``sitecustomize.py`` calls ``install()``
  at interpreter start-up (``az`` is a Python script that re-executes ``python -m azure.cli`` and keeps
  ``PYTHONPATH``, so this reaches the real CLI too);
* any client, no Python hooks: send HTTPS through the fake's CONNECT proxy (``HTTPS_PROXY``); the proxy resolves
  ``*.localhost`` itself and refuses every non-loopback destination.

An ``/etc/hosts`` entry would also work, but needs root and outlives the test run, so we avoid it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_MARK = "_fake_aml_localhost_patch"
_original_getaddrinfo = socket.getaddrinfo


def _is_localhost_subdomain(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "ignore")
    return isinstance(host, str) and host.lower().rstrip(".").endswith(".localhost")


def _patched_getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0) -> Any:
    if _is_localhost_subdomain(host):
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    return _original_getaddrinfo(host, port, family, type, proto, flags)


setattr(_patched_getaddrinfo, _MARK, True)


def is_installed() -> bool:
    return bool(getattr(socket.getaddrinfo, _MARK, False))


def install() -> bool:
    """Patch ``socket.getaddrinfo``; returns False when it was already patched."""
    if is_installed():
        return False
    socket.getaddrinfo = _patched_getaddrinfo
    return True


def uninstall() -> None:
    if is_installed():
        socket.getaddrinfo = _original_getaddrinfo


@contextmanager
def localhost_resolution() -> Iterator[None]:
    """Context manager form of :func:`install` that restores the previous state on exit."""
    installed_here = install()
    try:
        yield
    finally:
        if installed_here:
            uninstall()
