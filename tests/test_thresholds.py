"""core/thresholds.py: one helper maps a measured value onto a severity band."""

from __future__ import annotations

import pytest

from azext_batchtroubleshoot.core.models import Severity
from azext_batchtroubleshoot.core.thresholds import Bands, grade

HIGHER = Bands(info=10.0, warning=20.0, error=40.0)
LOWER = Bands(info=0.7, warning=0.5, error=0.25, higher_is_worse=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, None),
        (9.99, None),
        (10.0, Severity.INFO),
        (19.99, Severity.INFO),
        (20.0, Severity.WARNING),
        (39.99, Severity.WARNING),
        (40.0, Severity.ERROR),
        (1e9, Severity.ERROR),
    ],
)
def test_higher_is_worse_bands(value: float, expected: Severity | None) -> None:
    assert grade(value, HIGHER) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, None),
        (0.71, None),
        (0.7, Severity.INFO),
        (0.51, Severity.INFO),
        (0.5, Severity.WARNING),
        (0.26, Severity.WARNING),
        (0.25, Severity.ERROR),
        (0.0, Severity.ERROR),
        (-3.0, Severity.ERROR),
    ],
)
def test_lower_is_worse_bands(value: float, expected: Severity | None) -> None:
    assert grade(value, LOWER) == expected


def test_unknown_value_is_not_graded() -> None:
    assert grade(None, HIGHER) is None
    assert grade(None, LOWER) is None


def test_equal_cut_offs_are_allowed_and_the_worst_band_wins() -> None:
    flat = Bands(info=5.0, warning=5.0, error=5.0)
    assert grade(4.9, flat) is None
    assert grade(5.0, flat) == Severity.ERROR


@pytest.mark.parametrize(
    ("info", "warning", "error"),
    [(20.0, 10.0, 40.0), (10.0, 40.0, 20.0), (40.0, 20.0, 10.0)],
)
def test_bands_that_do_not_move_towards_worse_are_rejected(info: float, warning: float, error: float) -> None:
    with pytest.raises(ValueError, match="towards worse"):
        Bands(info=info, warning=warning, error=error)


@pytest.mark.parametrize(("info", "warning", "error"), [(0.25, 0.5, 0.7), (0.7, 0.25, 0.5)])
def test_lower_is_worse_bands_must_decrease(info: float, warning: float, error: float) -> None:
    with pytest.raises(ValueError, match="towards worse"):
        Bands(info=info, warning=warning, error=error, higher_is_worse=False)


def test_bands_are_immutable() -> None:
    with pytest.raises(AttributeError):
        HIGHER.info = 1.0  # type: ignore[misc]
