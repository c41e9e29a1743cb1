"""Log records for stderr: JSON lines a log shipper parses without regexes, or text for a
person at a terminal (`DJANGO_LOG_FORMAT=text`)."""

import json
import logging
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    """What the record was given with `extra=` (a request's method, path, status...)."""
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extras and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # default=str: Django attaches the request object to some records (django.request).
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """For a person reading a terminal (`DJANGO_LOG_FORMAT=text`): the JSON line's fields as
    text, extras as key=value, e.g. `… INFO mgplanner.request request method=GET
    path=/plan/ status=200 duration_ms=20.7`. Django's own `request` and `server` objects
    are left out (their repr says nothing)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{key}={value}"
            for key, value in _extras(record).items()
            if isinstance(value, str | int | float)
        )
        line = super().formatMessage(record)
        return f"{line} {extras}" if extras else line
