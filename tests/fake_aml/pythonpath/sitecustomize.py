"""Loaded automatically by Python when this directory is on PYTHONPATH (see ../localhost_dns.py).

It makes ``*.localhost`` resolve to 127.0.0.1 in that interpreter, e.g. in a subprocess ``az`` talking to the fake
Azure ML service's blob host ``devstoreaccount1.blob.core.localhost``. Nothing else is changed. The module is
loaded by file path so that it works whether or not the project's ``tests`` folder is importable.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _install() -> None:
    path = Path(__file__).resolve().parent.parent / "localhost_dns.py"
    spec = importlib.util.spec_from_file_location("_fake_aml_localhost_dns", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install()


_install()
