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
    needles: tuple[bytes, ...]

    def find(self, data: bytes) -> list[tuple[int, int]]:
        """Return ``(trigger index, start offset)`` for every occurrence, in offset order."""
        ...

    def present(self, data: bytes | memoryview) -> set[int]:
        """The indexes of the triggers that occur at least once in ``data``."""
        ...


def find_capped(
    matcher: Matcher,
    data: bytes | bytearray,
    limits: dict[int, int],
    present: set[int] | None = None,
    end: int | None = None,
) -> list[tuple[int, int]]:
    """Like ``find``, but at most ``limits[index]`` occurrences of each trigger (default: all), in offset order.

    Only the triggers present in ``data`` are searched, each with ``bytes.find`` (C speed), so a trigger that occurs
    a million times costs no Python work beyond its limit.
    """
    stop = len(data) if end is None else end
    found: list[tuple[int, int]] = []
    for index in matcher.present(memoryview(data)[:stop]) if present is None else present:
        needle = matcher.needles[index]
        remaining = limits.get(index, stop)
        position = data.find(needle, 0, stop) if remaining > 0 else -1
        while position >= 0 and remaining > 0:
            found.append((index, position))
            remaining -= 1
            position = data.find(needle, position + 1, stop)
    found.sort(key=lambda item: item[1])
    return found


class RegexMatcher:
    """The portable fallback: one alternation in a zero-width lookahead, so overlapping triggers are all found."""

    def __init__(self, triggers: Sequence[str]) -> None:
        self.triggers = tuple(triggers)
        self.needles = tuple(t.encode("utf-8") for t in self.triggers)
        ordered = sorted(range(len(self.needles)), key=lambda i: -len(self.needles[i]))
        self._ids = {self.needles[i]: i for i in ordered}
        alternation = b"|".join(re.escape(self.needles[i]) for i in ordered)
        self._pattern = re.compile(b"(?=(" + alternation + b"))")
        # Shorter triggers that start where a longer one does are reported with it.
        self._prefixes = {
            i: [j for j in range(len(self.needles)) if j != i and self.needles[i].startswith(self.needles[j])]
            for i in range(len(self.needles))
        }

    def find(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for match in self._pattern.finditer(data):
            index = self._ids[match.group(1)]
            offset = match.start()
            found.append((index, offset))
            found.extend((prefix, offset) for prefix in self._prefixes[index])
        found.sort(key=lambda item: item[1])
        return found

    def present(self, data: bytes | memoryview) -> set[int]:
        return {index for index, _ in self.find(bytes(data))}


class HyperscanMatcher:
    def __init__(self, triggers: Sequence[str]) -> None:
        import hyperscan  # imported here: optional, and only the analysis needs it

        self.triggers = tuple(triggers)
        self.needles = tuple(t.encode("utf-8") for t in self.triggers)
        self._lengths = [len(needle) for needle in self.needles]
        expressions = [re.escape(needle) for needle in self.needles]
        self._db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[0] * len(expressions),
        )
        # A second database reports each trigger at most once per scan: "which triggers are here?"
        self._presence = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._presence.compile(
            expressions=expressions,
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(expressions),
        )

    def find(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        lengths = self._lengths

        def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
            found.append((index, end - lengths[index]))

        self._db.scan(data, match_event_handler=on_match)
        found.sort(key=lambda item: item[1])
        return found

    def present(self, data: bytes | memoryview) -> set[int]:
        seen: set[int] = set()

        def on_match(index: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            seen.add(index)

        self._presence.scan(data, match_event_handler=on_match)  # type: ignore[type-var]  # any buffer works
        return seen


def build_matcher(triggers: Sequence[str], prefer_hyperscan: bool = True) -> Matcher:
    if prefer_hyperscan:
        try:
            return HyperscanMatcher(triggers)
        except Exception:  # noqa: BLE001 - hyperscan missing or unusable on this platform: fall back
            pass
    return RegexMatcher(triggers)
