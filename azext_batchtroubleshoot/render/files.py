"""Write a report file.  The format follows the extension; an existing file is replaced atomically."""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from ..core.errors import ReportWriteError
from ..logs.redact import redact


def wants_charts(path: str | None) -> bool:
    """An HTML report draws charts from the job's facts: the caller then passes ``chart_data(facts)``."""
    return bool(path) and str(path).lower().endswith((".html", ".htm"))


def render_for_path(report: dict[str, Any], path: str, charts: dict[str, Any] | None = None) -> str:
    lower = path.lower()
    if wants_charts(path):
        from .html import render_html

        return render_html(report, charts)
    if lower.endswith((".md", ".markdown")):
        from .markdown import render_markdown

        return render_markdown(report)
    if lower.endswith(".json"):
        return redact(json.dumps(report, indent=2)) + "\n"
    if lower.endswith(".txt"):
        from .text import render_text

        return render_text(report)
    raise ReportWriteError(
        f"Cannot tell the report format from '{os.path.basename(path)}'.",
        "Name the report file with .html, .md, .json or .txt.",
    )


def write_report(
    report: dict[str, Any], path: str, charts: dict[str, Any] | None = None, overwrite: bool = False
) -> None:
    """Write ``report`` to ``path``; ``charts`` (from ``chartdata.chart_data``) is drawn in an HTML report.

    An earlier report is replaced; any other existing file only with ``overwrite``: it may be the user's own.
    """
    if os.path.isfile(path) and not overwrite and not _is_a_report(path):
        raise ReportWriteError(
            f"'{path}' already exists and is not a report written by this tool.",
            "Choose another file name, or pass --overwrite to replace it.",
        )
    content = render_for_path(report, path, charts)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ReportWriteError(f"The folder '{folder}' does not exist.", "Create it first or choose another path.")
    if os.path.isdir(path):
        raise ReportWriteError(f"'{path}' is a folder.", "Give a file name such as report.html.")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".report-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(content)
        # mkstemp creates the file private (0600); a report is an ordinary file, so it gets the user's usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as exc:
        raise ReportWriteError(
            f"Could not write '{path}': {exc.strerror or exc}.", "Check the path and permissions."
        ) from exc


REPORT_MARKERS = (b"batch-troubleshoot", b'"schema_version"', b"-o json (schema version")


def _is_a_report(path: str) -> bool:
    """True when the file's first or last 64 KB carry this tool's mark (every renderer writes one)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - 65536))
            tail = handle.read(65536)
    except OSError:
        return False
    return any(marker in head or marker in tail for marker in REPORT_MARKERS)
