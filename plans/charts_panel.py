"""Geometry for the day's score panel: the gauge arc and waterfall bars (pure, no Django).

The template draws these as SVG; every figure is also printed as text beside it, so the
drawings are decoration for sighted readers, not the only carrier of a number.
"""

import math
from dataclasses import dataclass

# The gauge runs from 0 to 150 % of the target: far enough to show a surplus, and a
# day at 100 % sits at two thirds of the arc where the target tick is.
GAUGE_MAX_PERCENT = 150.0
GAUGE_RADIUS = 80.0
GAUGE_CENTRE = (100.0, 95.0)


@dataclass(frozen=True, slots=True)
class Gauge:
    track_path: str
    value_path: str  # empty when the value is 0
    target_tick: tuple[float, float, float, float]  # x1, y1, x2, y2 at 100 %
    percent: float


def _point(fraction: float, radius: float = GAUGE_RADIUS) -> tuple[float, float]:
    """The point `fraction` of the way along a half circle from left (0) to right (1)."""
    angle = math.pi * (1 - fraction)
    cx, cy = GAUGE_CENTRE
    return cx + radius * math.cos(angle), cy - radius * math.sin(angle)


def _arc(fraction: float) -> str:
    x0, y0 = _point(0)
    x1, y1 = _point(fraction)
    # A half circle never needs the large-arc flag: the arc spans at most 180 degrees.
    return f"M {x0:.2f} {y0:.2f} A {GAUGE_RADIUS:g} {GAUGE_RADIUS:g} 0 0 1 {x1:.2f} {y1:.2f}"


def gauge(percent: float) -> Gauge:
    fraction = max(0.0, min(percent, GAUGE_MAX_PERCENT)) / GAUGE_MAX_PERCENT
    target = 100 / GAUGE_MAX_PERCENT
    inner = _point(target, GAUGE_RADIUS - 14)
    outer = _point(target, GAUGE_RADIUS + 14)
    return Gauge(
        track_path=_arc(1.0),
        value_path=_arc(fraction) if fraction > 0 else "",
        target_tick=(
            round(inner[0], 2),
            round(inner[1], 2),
            round(outer[0], 2),
            round(outer[1], 2),
        ),
        percent=percent,
    )


@dataclass(frozen=True, slots=True)
class Bar:
    key: str
    label: str
    value_mg: float  # the step's own figure: mg on the plate, lost, or effective
    x: float  # left edge in the bar's viewBox (0..width)
    width: float
    is_loss: bool


def waterfall_bars(
    steps: list[tuple[str, str, float, float, float]], *, width: float = 200.0
) -> list[Bar]:
    """Bars for (key, label, delta_mg, start_mg, end_mg) steps on one shared scale.

    The plate and effective bars start at 0; a loss floats between the running totals
    before and after it, so the eye can follow the mg down the staircase.
    """
    top = max([abs(start) for _, _, _, start, _ in steps] + [1e-9])
    scale = width / top
    bars = []
    for key, label, delta, start, end in steps:
        if key in ("plate", "effective"):
            bars.append(Bar(key, label, end, 0.0, round(end * scale, 2), False))
        else:
            low = min(start, end)
            bars.append(
                Bar(key, label, -delta, round(low * scale, 2), round(abs(delta) * scale, 2), True)
            )
    return bars
