"""Shared test options and helpers.

* ``--update-golden`` rewrites the expected renderer outputs under ``tests/golden/`` instead of comparing them.
* ``write_tree`` writes a small log tree from a ``{relative path: text or bytes}`` dict into a temporary folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Union

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE = REPO_ROOT / "samples" / "init-missing-module"

Content = Union[str, bytes]
TreeWriter = Callable[..., Path]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite tests/golden/<scenario>/ files from the current renderers instead of comparing them.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes longer than a minute (still part of `make test`)")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def sample_dir() -> Path:
    return SAMPLE


def write_files(root: Path, files: Mapping[str, Content]) -> Path:
    """Write ``files`` under ``root`` (text as UTF-8 with the newlines given, bytes as they are)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
    return root


@pytest.fixture
def write_tree(tmp_path: Path) -> TreeWriter:
    """``write_tree({"logs/job_result.txt": "..."})`` → the folder; ``name=`` picks a sub-folder of tmp_path."""

    def _write(files: Mapping[str, Content], name: str = "job") -> Path:
        return write_files(tmp_path / name, files)

    return _write
