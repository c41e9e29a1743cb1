"""CSV files that are safe to open in a spreadsheet (OWASP "CSV Injection").

Custom food names, recipe and meal names and notes are typed by people and reach others
(shared recipes, dietitians' reports). A cell such as `=HYPERLINK("http://evil","x")` is run
as a formula by Excel, LibreOffice and Google Sheets, so every CSV the app writes goes
through `writer` or `DictWriter`, which put a single quote before such a text cell: the
spreadsheet shows the text, and runs nothing.
"""

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

# OWASP "CSV Injection": a cell starting with one of these is read as a formula (or DDE).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A bare numeral such as "-12.5" is a number to every spreadsheet, never a formula; the
# app writes its figures as such strings, and a negative one must stay a number.
_NUMERAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


class _Stream(Protocol):
    """Anything `csv.writer` can write to: a file, a StringIO, an HttpResponse."""

    def write(self, text: str, /) -> object: ...


def spreadsheet_cell(value: Any) -> Any:
    """`value`, with a quote before it if it is text a spreadsheet would run as a formula."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _NUMERAL.fullmatch(value)
    ):
        return "'" + value
    return value


def spreadsheet_cell_restore(value: Any) -> Any:
    """The inverse of `spreadsheet_cell`, so an exported file imports back unchanged."""
    if (
        isinstance(value, str)
        and value.startswith("'")
        and spreadsheet_cell(value[1:]) != value[1:]
    ):
        return value[1:]
    return value


class _Writer:
    def __init__(self, stream: _Stream, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([spreadsheet_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: _Stream, **kwargs: Any) -> _Writer:
    """`csv.writer` whose text cells cannot run as formulas."""
    return _Writer(stream, **kwargs)


class DictWriter(csv.DictWriter):
    """`csv.DictWriter` whose text cells cannot run as formulas."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: spreadsheet_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)
