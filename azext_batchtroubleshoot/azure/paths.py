"""Blob names are data from the network, never paths: turn them into safe relative paths or refuse them."""

from __future__ import annotations

import os
import re

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
# Backslash is a separator on Windows; the others are invalid there (``:`` would even open an alternate stream).
_FORBIDDEN = frozenset('\\:*?"<>|') if os.name == "nt" else frozenset("\\")
MAX_PART = 255
MAX_DEPTH = 32


class UnsafeNameError(ValueError):
    """A name from the service that cannot be written inside the download folder."""


def safe_relpath(name: str) -> str:
    """``logs/sys/node/0/process000.txt`` stays as it is; anything that could leave the folder raises.

    Refused: empty names, absolute paths, drive letters, backslashes, ``..`` and ``.`` segments, control characters,
    empty segments (``a//b``), absurdly deep or long names and, on Windows, the characters Windows forbids.
    """
    if not name or not isinstance(name, str):
        raise UnsafeNameError("empty name")
    if name.startswith(("/", "~")) or _DRIVE_RE.match(name):
        raise UnsafeNameError("absolute path")
    if any(ch in _FORBIDDEN or ord(ch) < 32 for ch in name):
        raise UnsafeNameError("forbidden character")
    parts = name.split("/")
    if len(parts) > MAX_DEPTH:
        raise UnsafeNameError("too deep")
    for part in parts:
        if part in ("", ".", ".."):
            raise UnsafeNameError("relative or empty segment")
        if len(part) > MAX_PART or part != part.strip() or part.endswith("."):
            raise UnsafeNameError("bad segment")
    return "/".join(parts)


def safe_segment(name: str) -> str:
    """A single folder name (a run or job name) made from service data."""
    rel = safe_relpath(name)
    if "/" in rel:
        raise UnsafeNameError("not a single segment")
    return rel


def path_inside(root: str, rel: str) -> str:
    """The absolute path of ``rel`` under ``root``; raises if it would resolve outside (symlinks included)."""
    rel = safe_relpath(rel)
    real_root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(real_root, *rel.split("/")))
    if not target.startswith(real_root.rstrip(os.sep) + os.sep):
        raise UnsafeNameError("resolves outside the download folder")
    return target


def slug(text: str) -> str:
    """A file-system friendly form of an Azure name, for the default cache folder."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "_"
    return cleaned[:MAX_PART]
