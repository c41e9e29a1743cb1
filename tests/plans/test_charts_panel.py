import math

import pytest

from plans import charts_panel


def test_gauge_at_the_target_ends_on_the_target_tick():
    gauge = charts_panel.gauge(100)
    end = gauge.value_path.split()[-2:]
    _, _, x2, y2 = gauge.target_tick
    # The tick is a radial line through the arc's end point at 100 %: same angle from the centre.
    cx, cy = charts_panel.GAUGE_CENTRE
    end_angle = math.atan2(cy - float(end[1]), float(end[0]) - cx)
    tick_angle = math.atan2(cy - y2, x2 - cx)
    assert end_angle == pytest.approx(tick_angle, abs=1e-3)
    assert math.degrees(end_angle) == pytest.approx(
        60, abs=0.01
    )  # 100 of 150 % along a half circle


def test_gauge_clamps_and_has_no_value_arc_at_zero():
    assert charts_panel.gauge(0).value_path == ""
    assert charts_panel.gauge(400).value_path.endswith("180.00 95.00")


def test_waterfall_bars_share_one_scale_and_losses_float():
    steps = [
        ("plate", "On the plate", 0.0, 200.0, 200.0),
        ("phytate", "Phytate", -50.0, 200.0, 150.0),
        ("dose", "Dose", -30.0, 150.0, 120.0),
        ("effective", "Effective", 0.0, 120.0, 120.0),
    ]
    bars = charts_panel.waterfall_bars(steps, width=200)
    assert [(b.x, b.width) for b in bars] == [(0, 200), (150, 50), (120, 30), (0, 120)]
    assert [b.value_mg for b in bars] == [200, 50, 30, 120]
    assert [b.is_loss for b in bars] == [False, True, True, False]
