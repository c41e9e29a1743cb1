"""URL path converters, registered when the root URLconf (mgplanner/urls.py) is loaded."""

from datetime import date

from django.urls import register_converter


class IsoDateConverter:
    """A date in a URL, always written YYYY-MM-DD: /plan/day/2026-11-26/ and not
    /plan/day/20261126/, which Python's date.fromisoformat also reads (one page, one URL).
    The view still parses it, and answers 404 for a date that does not exist (2026-02-30)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str | date) -> str:
        return value.isoformat() if isinstance(value, date) else value


register_converter(IsoDateConverter, "isodate")
