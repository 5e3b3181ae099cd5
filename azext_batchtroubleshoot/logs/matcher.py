"""Find many literal trigger strings in a large byte buffer at C speed.

Hyperscan (a SIMD multi-pattern matcher) is used when it is installed; it scans faster than grep.  Without it a
single compiled alternation from the standard library does the same job, more slowly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol


class Matcher(Protocol):
    triggers: tuple[str, ...]

    def find(self, data: bytes) -> list[tuple[int, int]]:
        """Return ``(trigger index, start offset)`` for every occurrence, in offset order."""
        ...


class RegexMatcher:
    def __init__(self, triggers: Sequence[str]) -> None:
        self.triggers = tuple(triggers)
        ordered = sorted(range(len(self.triggers)), key=lambda i: -len(self.triggers[i]))
        self._ids = {self.triggers[i].encode("utf-8"): i for i in ordered}
        alternation = b"|".join(re.escape(self.triggers[i].encode("utf-8")) for i in ordered)
        self._pattern = re.compile(alternation)
        # Triggers that contain another trigger are found by a second, per-trigger pass only when needed.
        self._nested = {
            i: [j for j in range(len(self.triggers)) if j != i and self.triggers[j] in self.triggers[i]]
            for i in range(len(self.triggers))
        }

    def find(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for match in self._pattern.finditer(data):
            index = self._ids[match.group(0)]
            found.append((index, match.start()))
            for inner in self._nested[index]:
                offset = data.find(self.triggers[inner].encode("utf-8"), match.start(), match.end())
                if offset >= 0:
                    found.append((inner, offset))
        found.sort(key=lambda item: item[1])
        return found


class HyperscanMatcher:
    def __init__(self, triggers: Sequence[str]) -> None:
        import hyperscan  # imported here: optional, and only the analysis needs it

        self.triggers = tuple(triggers)
        self._lengths = [len(t.encode("utf-8")) for t in self.triggers]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        expressions = [re.escape(t.encode("utf-8")) for t in self.triggers]
        self._db.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[0] * len(expressions),
        )

    def find(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        lengths = self._lengths

        def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
            found.append((index, end - lengths[index]))

        self._db.scan(data, match_event_handler=on_match)
        found.sort(key=lambda item: item[1])
        return found


def build_matcher(triggers: Sequence[str], prefer_hyperscan: bool = True) -> Matcher:
    if prefer_hyperscan:
        try:
            return HyperscanMatcher(triggers)
        except Exception:  # noqa: BLE001 - hyperscan missing or unusable on this platform: fall back
            pass
    return RegexMatcher(triggers)
