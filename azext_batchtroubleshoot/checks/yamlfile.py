"""YAML files with line numbers: the parsed data plus where each key sits, so findings can point at ``file:line``.

PyYAML comes with the Azure CLI; it is imported here, lazily, so that loading the extension stays cheap.  Only the
safe loader is used: a YAML file never constructs Python objects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import InputFileError
from ..core.models import Evidence

MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 50

KeyPath = tuple[Any, ...]


@dataclass
class TextFile:
    """A text file read for a check: its text and where findings should say it is."""

    path: Path
    shown: str  # the path as findings show it (relative to the checked YAML's folder, '/' separators)
    text: str
    size: int

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def excerpt(self, line: int | None) -> str:
        if line is None:
            return ""
        lines = self.lines
        if 1 <= line <= len(lines):
            return lines[line - 1].strip()[:200]
        return ""

    def evidence(self, line: int | None, excerpt: str | None = None) -> Evidence:
        return Evidence(self.shown, line, excerpt if excerpt is not None else self.excerpt(line))


@dataclass
class YamlFile(TextFile):
    data: Any = None
    # Where each key (or sequence item) starts, 1-based: ("settings", "retry_settings", "timeout") -> 21.
    key_lines: dict[KeyPath, int] = field(default_factory=dict)

    def line(self, *keys: Any) -> int | None:
        """The line of the deepest of ``keys`` that exists (so a missing child points at its parent)."""
        for end in range(len(keys), 0, -1):
            found = self.key_lines.get(tuple(keys[:end]))
            if found is not None:
                return found
        return None

    def has(self, *keys: Any) -> bool:
        return tuple(keys) in self.key_lines

    def get(self, *keys: Any) -> Any:
        value = self.data
        for key in keys:
            if (isinstance(value, Mapping) and key in value) or (
                isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value)
            ):
                value = value[key]
            else:
                return None
        return value

    def at(self, *keys: Any) -> Evidence:
        """Evidence pointing at a key (or its closest existing parent)."""
        return self.evidence(self.line(*keys))

    def subtree(self, *keys: Any) -> YamlFile:
        """A view of one value of this file (an inline conda spec), keeping the real file and line numbers."""
        depth = len(keys)
        lines = {path[depth:]: line for path, line in self.key_lines.items() if path[:depth] == tuple(keys)}
        return YamlFile(self.path, self.shown, self.text, 0, self.get(*keys), lines)


def scalar_text(value: Any, limit: int = 200) -> str:
    """A YAML value as text for a message, bounded: aliases can make a tiny file expand into a huge structure."""
    if value is None or isinstance(value, (str, int, float, bool)):
        text = str(value)
    else:
        import reprlib

        shorter = reprlib.Repr()
        shorter.maxlevel, shorter.maxlist, shorter.maxdict, shorter.maxstring = 2, 4, 4, 60
        text = shorter.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_path(path: Path, root: Path) -> str:
    try:
        relative = os.path.relpath(path, root)
    except ValueError:  # another drive on Windows
        relative = str(path)
    return relative.replace(os.sep, "/")


def read_text(path: Path, root: Path, what: str) -> TextFile:
    """Read a text file named by the user or by their YAML; errors say which file and why."""
    if not path.exists():
        raise InputFileError(f"The {what} '{path}' does not exist.", "Check the path and try again.")
    if path.is_dir():
        raise InputFileError(f"The {what} '{path}' is a folder, not a file.", "Give the path of the file itself.")
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            raw = handle.read(MAX_TEXT_BYTES + 1)
    except OSError as exc:
        raise InputFileError(f"The {what} '{path}' cannot be read: {exc.strerror or exc}.") from exc
    if len(raw) > MAX_TEXT_BYTES:
        raise InputFileError(
            f"The {what} '{path}' is larger than {MAX_TEXT_BYTES // (1024 * 1024)} MB; it is not a text file we can "
            "check."
        )
    if b"\x00" in raw[:8192]:
        raise InputFileError(f"The {what} '{path}' is a binary file, not text.")
    text = raw.decode("utf-8-sig", errors="replace")
    return TextFile(path, shown_path(path, root), text, size)


def load_yaml(path: Path, root: Path, what: str) -> YamlFile:
    """Parse a YAML file with the safe loader, keeping each key's line; bad YAML says where (line and column)."""
    source = read_text(path, root, what)
    data, key_lines = parse_yaml(source.text, source.shown, what)
    return YamlFile(source.path, source.shown, source.text, source.size, data, key_lines)


def parse_yaml(text: str, shown: str, what: str) -> tuple[Any, dict[KeyPath, int]]:
    import yaml  # lazy: PyYAML ships with the Azure CLI

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputFileError(
            f"The {what} '{shown}' is not valid YAML: {problem}{where}.",
            "Fix the YAML syntax (indentation, a missing ':' or an unclosed quote are the usual causes).",
        ) from exc
    except yaml.YAMLError as exc:
        raise InputFileError(f"The {what} '{shown}' is not valid YAML: {exc}.") from exc
    except RecursionError as exc:
        raise InputFileError(f"The {what} '{shown}' is nested too deeply to be a deployment file.") from exc
    finally:
        loader.dispose()
    key_lines: dict[KeyPath, int] = {}
    if node is not None:
        _index(node, (), key_lines, set())
    return data, key_lines


def _index(node: Any, prefix: KeyPath, out: dict[KeyPath, int], seen: set[int]) -> None:
    """Record where keys start.  An aliased node (``*anchor``) is indexed once: aliases cannot explode it."""
    import yaml

    if id(node) in seen or len(prefix) > MAX_DEPTH:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            path = (*prefix, key)
            out.setdefault(path, key_node.start_mark.line + 1)
            _index(value_node, path, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, index)
            out.setdefault(path, item.start_mark.line + 1)
            _index(item, path, out, seen)
