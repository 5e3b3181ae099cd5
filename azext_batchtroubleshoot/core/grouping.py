"""Decide when two error lines are "the same" error: mask the variable parts, Drain-style, in a fixed order."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?Z?"), "<TS>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<GUID>"),
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "<IP>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<HEX>"),
    (re.compile(r"\b[0-9a-f]{16,}\b"), "<HEX>"),
    (re.compile(r"(?:[A-Za-z]:)?(?:[/\\][\w.@+=~-]+){2,}[/\\]?"), "<PATH>"),
    (re.compile(r"\bprocess\d+\b|\bProcess-\d+\b"), "<PROC>"),
    (re.compile(r"(?<![\w'])[-+]?\d+(?:\.\d+)?(?![\w'])"), "<NUM>"),
    (re.compile(r"\s+"), " "),
)


def mask(text: str) -> str:
    """``Failed on 10.0.0.4 pid 334 at /mnt/x/y.csv`` → ``Failed on <IP> pid <NUM> at <PATH>``.

    Quoted names ('pandas') are kept: they are what tells one error from another.
    """
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text.strip()


class Located(Protocol):
    @property
    def line(self) -> int: ...


T = TypeVar("T")


@dataclass
class Group(Generic[T]):
    key: str
    items: list[T] = field(default_factory=list)
    count: int = 0


def group_by(items: Iterable[T], key: Callable[[T], str], keep: int = 200) -> list[Group[T]]:
    """Group items by key, keeping at most ``keep`` examples per group but counting all; first-seen order."""
    groups: dict[str, Group[T]] = {}
    for item in items:
        group_key = key(item)
        group = groups.get(group_key)
        if group is None:
            group = groups[group_key] = Group(group_key)
        group.count += 1
        if len(group.items) < keep:
            group.items.append(item)
    return list(groups.values())
