"""Graded thresholds, Dr. Elephant style: one helper maps a measured value onto a severity band."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Severity


@dataclass(frozen=True)
class Bands:
    """Cut-offs for info, warning and error.  ``higher_is_worse=False`` flips the comparison (e.g. CPU use)."""

    info: float
    warning: float
    error: float
    higher_is_worse: bool = True

    def __post_init__(self) -> None:
        ordered = (self.info, self.warning, self.error)
        expected = tuple(sorted(ordered)) if self.higher_is_worse else tuple(sorted(ordered, reverse=True))
        if ordered != expected:
            raise ValueError(f"bands must move towards worse: {ordered}")


def grade(value: float | None, bands: Bands) -> Severity | None:
    """The severity of ``value``, or None when it is fine (or unknown)."""
    if value is None:
        return None

    def reached(limit: float) -> bool:
        return value >= limit if bands.higher_is_worse else value <= limit

    if reached(bands.error):
        return Severity.ERROR
    if reached(bands.warning):
        return Severity.WARNING
    if reached(bands.info):
        return Severity.INFO
    return None
