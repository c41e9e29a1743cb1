"""The report names its losses as the day page's waterfall does, in the same order."""

from datetime import date

from plans.reports import build_report
from plans.scoring import FACTOR_LABELS, WATERFALL_ORDER


def test_report_losses_use_the_day_pages_names_and_order() -> None:
    report = build_report(date(2026, 1, 1), date(2026, 1, 1), [])
    assert [(line.key, line.label) for line in report.losses] == [
        (key, FACTOR_LABELS[key]) for key in WATERFALL_ORDER
    ]
    assert {line.key: line.label for line in report.losses}["dose"] == "Large single doses"
