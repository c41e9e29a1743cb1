"""`manage.py score_day FILE|-`: score one day given as JSON (scoring-model.md section 7)."""

from typing import Any

from django.core.management.base import CommandParser
from django.db import DatabaseError

from foods.selectors import food_values_by_code
from plans.day_json import DayInputError, parse_day
from plans.management.day_command import DayCommand
from plans.scoring import score_day, score_to_json
from plans.targets import TargetError


class Command(DayCommand):
    command_name = "score_day"
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
                score_day(parse_day(self.read_json(options["file"]), food_values_by_code))
            )
        except (DayInputError, TargetError) as error:
            self.refuse(str(error))
        except DatabaseError as error:
            self.refuse_database(error, "look up food codes")
        self.write_json(result)
