"""mgplanner.csv_safe: text a spreadsheet would run as a formula gets a quote; numbers stay."""

import csv
import io
import re
from pathlib import Path

import pytest

from mgplanner import csv_safe

FORMULA = '=HYPERLINK("http://evil","x")'
ROOT = Path(__file__).resolve().parent.parent


def _written(row: list[object]) -> list[str]:
    text = io.StringIO()
    csv_safe.writer(text).writerow(row)
    return next(csv.reader(io.StringIO(text.getvalue())))


@pytest.mark.parametrize(
    "text", [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "-", "+"]
)
def test_text_a_spreadsheet_would_run_gets_a_quote(text: str) -> None:
    assert _written([text]) == ["'" + text]


@pytest.mark.parametrize("value", ["-12.5", "-3", "+4", "-0.5e3", -12.5, -3, 0])
def test_numbers_stay_numbers(value: object) -> None:
    assert _written([value]) == [str(value)]


@pytest.mark.parametrize("text", ["Lunch", "Gran's seed bar", "Nuts, almonds", "a=b", "", "1¾ cup"])
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert _written([text]) == [text]


def test_the_dict_writer_escapes_every_row_and_keeps_the_header() -> None:
    text = io.StringIO()
    writer = csv_safe.DictWriter(text, fieldnames=["name", "grams"])
    writer.writeheader()
    writer.writerow({"name": FORMULA, "grams": "-12.5"})
    writer.writerows([{"name": "@x", "grams": 40}])
    rows = list(csv.DictReader(io.StringIO(text.getvalue())))
    assert rows == [{"name": "'" + FORMULA, "grams": "-12.5"}, {"name": "'@x", "grams": "40"}]


@pytest.mark.parametrize("value", [FORMULA, "@x", "-2+3", "Lunch", "'quoted", "-12.5", 3.5, None])
def test_restore_undoes_the_quote_and_nothing_else(value: object) -> None:
    assert csv_safe.spreadsheet_cell_restore(csv_safe.spreadsheet_cell(value)) == value


def test_no_app_module_writes_csv_around_the_helper() -> None:
    """Every CSV the app writes goes through csv_safe, so a new one cannot forget to escape."""
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("accounts", "foods", "plans", "mgplanner")
        for path in (ROOT / app).rglob("*.py")
        if path.name != "csv_safe.py" and re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert offenders == []
