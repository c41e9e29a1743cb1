"""What `score_day` and `suggest` share: reading a day's JSON and their stable error exits.

Both commands promise one JSON object on stdout, one stderr line naming the command and exit 2
for bad input, and exit 1 when the food table is missing (an unprepared setup, not bad input).
"""

import json
import sys
from typing import NoReturn

from django.core.management.base import BaseCommand
from django.db import DatabaseError

# Input errors exit 2 (like a usage error), so scripts can tell them from a broken setup (1).
EXIT_INVALID_INPUT = 2
EXIT_NO_DATABASE = 1


class DayCommand(BaseCommand):
    """A command that reads one day as JSON from FILE or '-' (stdin)."""

    # The prefix of every stderr line, so a script piping several commands can tell them apart.
    command_name: str

    def read_json(self, path: str) -> object:
        source = "stdin" if path == "-" else path
        try:
            if path == "-":
                # The bytes, not sys.stdin's text: its surrogateescape would let non-UTF-8
                # bytes through to the output, which a file's strict decoding refuses.
                raw = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as handle:
                    raw = handle.read()
            text = raw.decode("utf-8")
        except OSError as error:
            self.refuse(f"cannot read {source}: {error.strerror or error}")
        except UnicodeDecodeError:
            self.refuse(f"cannot read {source}: not UTF-8 text")
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as error:
            self.refuse(f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}")
        except ValueError as error:
            self.refuse(f"invalid JSON: {error}")
        except RecursionError:
            # Python's json recurses once per nesting level: thousands of "[" exhaust the
            # stack long before any day (a handful of levels) could.
            self.refuse("invalid JSON: nested too deeply")

    def refuse_database(self, error: DatabaseError, doing: str) -> NoReturn:
        """Exit 1: only food codes touch the database, so an error there is an unprepared setup."""
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        self.refuse(
            f"cannot {doing} ({first_line}); run manage.py migrate and load foods",
            code=EXIT_NO_DATABASE,
        )

    def refuse(self, message: str, code: int = EXIT_INVALID_INPUT) -> NoReturn:
        self.stderr.write(f"{self.command_name}: {message}")
        raise SystemExit(code)

    def write_json(self, result: object) -> None:
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))


def _reject_constant(name: str) -> float:
    """Python's json accepts NaN and Infinity; JSON does not, and neither do we."""
    raise ValueError(f"{name} is not a JSON number")
