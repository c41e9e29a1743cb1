"""`manage.py score_day FILE|-`: score one day given as JSON (scoring-model.md section 7)."""

import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from foods.selectors import food_values_by_code
from plans.day_json import DayInputError, parse_day
from plans.scoring import score_day, score_to_json
from plans.targets import TargetError

# Input errors exit 2 (like a usage error), so scripts can tell them from a broken setup (1).
EXIT_INVALID_INPUT = 2
EXIT_NO_DATABASE = 1


class Command(BaseCommand):
    help = (
        "Score one day of meals and supplements for effective magnesium. Reads JSON from FILE "
        "(or '-' for stdin) and prints one JSON object; invalid input prints one line to "
        "stderr and exits 2."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="day JSON file, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = score_to_json(
                score_day(parse_day(self._read(options["file"]), food_values_by_code))
            )
        except (DayInputError, TargetError) as error:
            self._refuse(str(error))
        except DatabaseError as error:
            # Only food codes touch the database; a missing table means an unprepared setup.
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            self._refuse(
                f"cannot look up food codes ({first_line}); run manage.py migrate and load foods",
                code=EXIT_NO_DATABASE,
            )
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

    def _read(self, path: str) -> object:
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as error:
            self._refuse(f"cannot read {path}: {error.strerror or error}")
        except UnicodeDecodeError:
            self._refuse(f"cannot read {path}: not UTF-8 text")
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as error:
            self._refuse(f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}")
        except ValueError as error:
            self._refuse(f"invalid JSON: {error}")

    def _refuse(self, message: str, code: int = EXIT_INVALID_INPUT) -> NoReturn:
        self.stderr.write(f"score_day: {message}")
        raise SystemExit(code)


def _reject_constant(name: str) -> float:
    """Python's json accepts NaN and Infinity; JSON does not, and neither do we."""
    raise ValueError(f"{name} is not a JSON number")
